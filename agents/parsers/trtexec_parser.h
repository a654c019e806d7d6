#pragma once

// Parser of TensorRT `trtexec` output (runtimes.md 1.2): the TRT 8.x
// "=== Performance summary ===" format (including the newer one with several
// percentiles and no End-to-End line), the TRT 7.1 multi-line blocks
// ("Host Latency" / "Enqueue Time" / "GPU Compute"), and the per-query trace
// that `--exportTimes=FILE` writes as JSON. Pure functions.
//
// Figures and their scopes (latency_figures.h), all in us per query:
//   "Latency" (7.1: Host Latency)              kRequest  H2D + compute + D2H
//   "End-to-End Host Latency" (7.1: end to end) kQueued   incl. waiting for the previous query
//   "Enqueue Time"                             kHostEnqueue
//   "H2D Latency", "D2H Latency"                kTransfer
//   "GPU Compute Time" (7.1: GPU Compute)      kCompute
// Throughput keeps trtexec's semantics (see TrtexecOutput::throughput_qps).
// Lines may carry the `[date-time] [I] ` or `[I] ` prefix or none; lines the
// parser does not know are skipped, since trtexec prints much else.
//
// Errors: DATA_LOSS, with the 1-based line number where there is one, for
// binary garbage, a statistics line outside its section (reordered output), a
// figure given twice, a bad number or unit, `&&&& FAILED`, no performance
// summary, a summary without Latency, GPU Compute or throughput, and output
// that ends before trtexec's closing `&&&& PASSED` line (truncated).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "agents/parsers/latency_figures.h"

namespace benchd::agent {

enum class TrtexecFormat { kLegacy7, kSummary8 };

struct TrtexecOutput {
  TrtexecFormat format = TrtexecFormat::kSummary8;
  // "8.2.1" from `[TensorRT v8201]`; empty when the build does not print it
  // (TRT 7.x).
  std::string tensorrt_version;
  std::optional<int64_t> warmup_queries;
  std::optional<double> warmup_ms;
  // Queries after warm-up, as printed: trtexec multiplies by the batch for
  // implicit-batch engines (`--batch=N`) and counts one query per batch for
  // explicit-batch engines.
  std::optional<int64_t> timed_queries;
  std::optional<double> trace_s;
  // As printed, with the same batch semantics as `timed_queries`: items/s for
  // implicit-batch engines, batches/s for explicit-batch ones. Some TRT 7.x
  // builds print 0; it is then recomputed as timed_queries / walltime and
  // `throughput_recomputed` is set.
  double throughput_qps = 0;
  bool throughput_recomputed = false;
  std::optional<double> walltime_s;
  std::optional<double> total_gpu_compute_s;
  std::vector<LatencyFigures> figures;  // in the order printed
  std::vector<std::string> warnings;    // text of `[W]` lines

  const LatencyFigures* request() const { return FindFigures(figures, LatencyScope::kRequest); }
  const LatencyFigures* compute() const { return FindFigures(figures, LatencyScope::kCompute); }
  const LatencyFigures* queued() const { return FindFigures(figures, LatencyScope::kQueued); }
};

[[nodiscard]] absl::StatusOr<TrtexecOutput> ParseTrtexecOutput(std::string_view text);

// The TensorRT version from any `&&&& RUNNING|PASSED TensorRT.trtexec
// [TensorRT v8201]` line (as printed by `trtexec --help`), e.g. "8.2.1";
// empty when the line has no version (TRT 7.x). Errors: DATA_LOSS when there
// is no `&&&& ... TensorRT.trtexec` line at all.
[[nodiscard]] absl::StatusOr<std::string> ParseTrtexecVersion(std::string_view text);

// One element of the `--exportTimes` trace, in ms as written. Times are
// relative to trtexec's inference start; warm-up queries are included.
struct TrtexecQuery {
  double start_compute_ms = 0;
  double end_ms = 0;         // end of the D2H copy (TRT 7: endOutMs)
  double h2d_ms = 0;         // TRT 7: inMs
  double compute_ms = 0;
  double d2h_ms = 0;         // TRT 7: outMs
  double latency_ms = 0;     // h2d + compute + d2h
  double end_to_end_ms = 0;  // incl. waiting for the previous query
};

// Parses the JSON array of `--exportTimes` (TRT 8 and TRT 7 key names).
// Errors: DATA_LOSS for invalid JSON, a non-array, or an element without a
// numeric startComputeMs, computeMs, latencyMs or endToEndMs (or with a
// negative one), naming the element's index.
[[nodiscard]] absl::StatusOr<std::vector<TrtexecQuery>> ParseTrtexecTimes(std::string_view json);

}  // namespace benchd::agent
