#pragma once

// Parsers of the Vitis AI tools a `vitis-dpu` device runs: the report of a
// Vitis AI Library `test_performance_<model>` program, and the JSON of
// `xdputil query`. Pure functions from text to values.
//
// test_performance report (benchmark.hpp, stdout or the `-l` file):
//   FPS=<images per second over all threads>
//   E2E_MEAN=<mean microseconds per call, pre-process + DPU + post-process>
//   DPU_MEAN=<mean microseconds per call on the DPU>
// Vitis AI 1.x prints all three lines for any thread count; 2.5 and later
// print only FPS= when run with more than one thread, so both means are
// optional. A DPUCZDX8G (ZCU102, ZCU104, Ultra96) takes one image per call, so
// the means are per image. glog lines ("I0110 18:53:33.324429 8773
// benchmark.hpp:203] ...") and glog's "WARNING: Logging before
// InitGoogleLogging()" banner are skipped wherever they appear, as is the
// per-step "step 10FPS=..." progress line some releases can print. Anything
// else is an error: a report that contains foreign text cannot be trusted.
//
// Errors: DATA_LOSS with the 1-based line number for a foreign line (binary
// garbage is reported without quoting it), a
// malformed or non-positive FPS, a negative or malformed mean, or a key given
// twice; DATA_LOSS without a line for a report with no FPS= line (truncated
// or empty). Malformed tool output is an infrastructure failure.
// Thread-safety: pure functions.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "agents/parsers/latency_figures.h"

namespace benchd::agent {

struct VitisPerformance {
  double fps = 0;                         // images/s, all threads together
  // Per call of one image, mean_us only: "E2E_MEAN" (kRequest: pre-processing,
  // DPU and post-processing as one call sees them) and "DPU_MEAN" (kCompute).
  std::optional<LatencyFigures> e2e_mean;
  std::optional<LatencyFigures> dpu_mean;
};

[[nodiscard]] absl::StatusOr<VitisPerformance> ParseVitisPerformance(std::string_view text);

// What `xdputil query` says about the DPU and the Vitis AI installation.
struct XdputilInfo {
  std::string dpu_arch;        // "DPUCZDX8G_ISA1_B4096", of the first DPU core
  double dpu_frequency_mhz = 0;
  int64_t dpu_cores = 0;       // kernels with a non-empty "DPU Arch"
  std::string ip_version;      // "v4.1.0", from "DPU IP Spec"
  std::string vitis_ai_version;  // "3.0.0", from "target_factory"
  std::string vart_version;    // the "libvart-runner.so" line, trimmed
};

// Parses the JSON object `xdputil query` prints; text before the first '{'
// (glog lines when stderr is merged) is skipped. Errors: DATA_LOSS when there
// is no JSON object, it does not parse, or it names no DPU core.
[[nodiscard]] absl::StatusOr<XdputilInfo> ParseXdputilQuery(std::string_view text);

}  // namespace benchd::agent
