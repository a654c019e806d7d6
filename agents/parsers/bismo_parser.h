#pragma once

// Parser of the BISMO bit-serial overlay's benchmark output. A pure function
// from text to values. Two formats:
//
// instrumentation (the runtime library's `testapp b` / `testapp i`,
// benchmark.hpp): one header line of instrumentation keys and one value line
// per benchmarked matrix multiply, each field followed by ", " (so lines end
// with a separator). The keys come from a std::map, hence in alphabetical
// order; they include hw_fclk_mhz, hw_peak_perf_binops (binary GOPS),
// run_cycles, run_achieved_binops (binary GOPS, accelerator only),
// run_eff%_exec/_fetch/_result, workload_*_binops and *_bytes, *_oi,
// stg_<stage>_<state> (cycles) and, in builds with timing, mat_<m>_<step>_us
// (host microseconds for padding, copies and parallel-to-serial conversion).
// Values are printed with six significant digits. A header line repeated
// with the same keys (interactive mode prints one per run) is accepted.
//
// legacy (the BitSerialMatMulExecutor of BISMO v1, and runtime builds with
// BISMORT_INSTRUMENTATION_VERBOSE): "Performance Summary ====" blocks, one
// per matrix multiply, with "HW fclk: 200 MHz" and "Runtime: 45213 cycles,
// 226065 ns" lines; "Achieved: 593.7 binary GOPS (9.06%)", "HW peak perf:",
// "Total workload:" and "Useful/Actual workload:" lines are read when present.
// Other "==== "-delimited verbose blocks are skipped.
//
// Normalisation: each matrix multiply's `compute_us` is run_cycles /
// hw_fclk_mhz (the legacy format's ns figure when given): accelerator time
// only, LatencyScope::kCompute, for one whole multiply; `host_us` is the sum of
// the mat_*_us keys (host padding, copies, parallel-to-serial conversion), zero
// when the build does not time them.
//
// Errors: FAILED_PRECONDITION with the line for "Exception: <reason>" (the
// runtime library throws for workloads it cannot map, e.g. "LHS is too large
// and not currently supported", and exits 0); DATA_LOSS with the line for a
// foreign line, a value line before any header or with a field count that
// differs from the header's, a malformed number, a header that changes keys,
// or a multiply without run_cycles or hw_fclk_mhz, or binary garbage (not
// quoted); DATA_LOSS when there is
// no result at all. Thread-safety: pure functions.

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "agents/parsers/latency_figures.h"

namespace benchd::agent {

struct BismoMatMul {
  std::map<std::string, double> values;  // every reported key, verbatim
  double run_cycles = 0;
  double fclk_mhz = 0;
  double compute_us = 0;  // kCompute, one matrix multiply
  double host_us = 0;     // sum of mat_*_us, 0 when not timed
};

struct BismoReport {
  enum class Format { kInstrumentation, kLegacySummary };
  Format format = Format::kInstrumentation;
  std::vector<BismoMatMul> matmuls;  // in the order they ran
};

[[nodiscard]] absl::StatusOr<BismoReport> ParseBismoOutput(std::string_view text);

}  // namespace benchd::agent
