#pragma once

// Parser of benchd-host-mlp's output, format 1 (agents/host_runtime/report.h
// documents the lines). A pure function from text to values.
//
// Rules: blank lines are ignored; the first line must be the
// `benchd-host-mlp format=1 ...` runtime line; then exactly one `config`
// line, `layer` lines, an optional `warmup` line, `sample` lines numbered
// 0, 1, 2, ... in order, exactly one `summary` line whose count equals the
// number of samples and the configured iterations, and an optional `check`
// line. Unknown keys on a known line are ignored (additions within format 1);
// an unknown line is an error.
//
// Errors: DATA_LOSS for anything malformed or incomplete (missing runtime
// line, unknown format, garbage line, bad number, negative latency, samples
// out of order, no summary, count mismatch), with the 1-based line number in
// the message. Malformed tool output is an infrastructure failure, never a
// property of the experiment. Thread-safety: pure functions.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace benchd::agent {

struct HostMlpRuntime {
  int64_t format = 0;
  std::string version;
  std::string onednn;
  std::string threading;
  std::string isa;
  int64_t threads = 0;
};

struct HostMlpConfig {
  std::string topology;
  double pruning = 0;
  std::string precision;
  int64_t batch = 0;
  int64_t hidden = 0;
  int64_t params = 0;
  int64_t ops_per_inference = 0;
  int64_t warmup = 0;
  int64_t iterations = 0;
  uint64_t seed = 0;
};

struct HostMlpLayer {
  int64_t index = 0;
  int64_t inputs = 0;
  int64_t outputs = 0;
  std::string implementation;  // e.g. "brgemm:avx512_core_vnni"
};

struct HostMlpSummary {
  int64_t count = 0;
  double mean_us = 0;
  double median_us = 0;
  double p99_us = 0;
  double min_us = 0;
  double max_us = 0;
  double fps = 0;
  double gops = 0;
};

struct HostMlpCheck {
  double max_abs_error = 0;
  double reference_max_abs = 0;
};

struct HostMlpOutput {
  HostMlpRuntime runtime;
  HostMlpConfig config;
  std::vector<HostMlpLayer> layers;
  std::vector<double> latency_us;  // one per timed iteration, in order
  std::vector<int64_t> t_ns;       // steady_clock completion times, same length
  HostMlpSummary summary;
  std::optional<HostMlpCheck> check;
};

[[nodiscard]] absl::StatusOr<HostMlpOutput> ParseHostMlpOutput(std::string_view text);

// Parses the runtime line alone, as printed by `benchd-host-mlp --version`.
// Errors: DATA_LOSS as above.
[[nodiscard]] absl::StatusOr<HostMlpRuntime> ParseHostMlpVersion(std::string_view text);

}  // namespace benchd::agent
