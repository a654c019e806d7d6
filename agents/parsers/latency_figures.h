#pragma once

// How the parsers of accelerator benchmark tools (trtexec, OpenVINO
// benchmark_app, TFLite benchmark_model) tag every latency figure they read,
// so that drivers never mix up compute-only, per-request and queued latencies
// (runtimes.md section 8, item 7). Every figure is normalised at parse time to
// microseconds per query, where a query is one inference request of the whole
// batch (per batch, never per item).
// Thread-safety: plain values and pure functions.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "benchd/v1/common.pb.h"

namespace benchd::agent {

enum class LatencyScope {
  kCompute,      // kernels on the accelerator only (trtexec GPU Compute Time)
  kRequest,      // one request as the host sees it, transfers included (trtexec
                 // Latency, OpenVINO sync latency, TFLite Invoke time)
  kQueued,       // also waits for earlier requests (trtexec End-to-End Host
                 // Latency, OpenVINO async latency with several requests)
  kHostEnqueue,  // host time to submit a request (trtexec Enqueue Time)
  kTransfer,     // one copy alone (trtexec H2D / D2H Latency)
  kStartup,      // one-off: session init, first inference with model upload
};

// COMPUTE for kCompute, SYSTEM for everything else.
benchd::v1::LatencyKind KindOf(LatencyScope scope);
// "compute", "request", "queued", "host_enqueue", "transfer", "startup".
const char* ScopeName(LatencyScope scope);

// The statistics a tool printed for one latency; what it did not print is
// nullopt.
struct LatencyFigures {
  std::string name;  // as the tool calls it, e.g. "GPU Compute Time"
  LatencyScope scope = LatencyScope::kRequest;
  std::optional<int64_t> count;
  std::optional<double> mean_us;
  std::optional<double> median_us;
  std::optional<double> min_us;
  std::optional<double> max_us;
  std::optional<double> std_us;  // as the tool defines it (TFLite: population)
  std::vector<std::pair<double, double>> percentiles_us;  // (P in %, value)

  // The value of percentile `p`, or nullopt.
  std::optional<double> Percentile(double p) const;
};

// Empty figures named `name` of `scope`.
LatencyFigures MakeFigures(std::string name, LatencyScope scope);

// The first figures of `scope` in `figures`, or nullptr.
const LatencyFigures* FindFigures(const std::vector<LatencyFigures>& figures, LatencyScope scope);
// The figures named `name`, or nullptr.
const LatencyFigures* FindFiguresNamed(const std::vector<LatencyFigures>& figures, std::string_view name);

}  // namespace benchd::agent
