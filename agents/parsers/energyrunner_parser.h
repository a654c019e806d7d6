#pragma once

// Parser of the MLPerf Tiny / EEMBC EnergyRunner serial protocol (the
// device-under-test side, performance mode), as printed by the reference
// firmware's `ee_infer` and `th_timestamp`:
//   host: "infer 10 1%"
//   DUT:  m-warmup-start-1 / m-warmup-done / m-infer-start-10 /
//         m-lap-us-<t0> / m-lap-us-<t1> / m-infer-done / m-results-[...] /
//         m-ready
// Latency per inference = (t1 - t0) / N microseconds, with the difference
// taken modulo 2^32 because the DUT's microsecond counter is 32 bits wide.
// Other responses: `m-name-dut-[...]`, `m-profile-[...]`, `m-model-[...]`,
// `m-init-done`, `m-timestamp-mode-...`, errors `e-[...]`. Relay prefixes
// ("RX:", "[dut]: ") are accepted; lines that are none of these (firmware
// debug prints) are ignored.
// Thread-safety: pure functions.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace benchd::agent {

enum class ErLineKind {
  kOther,
  kReady,         // m-ready
  kInitDone,      // m-init-done
  kName,          // m-name-<...>: text = the whole name
  kProfile,       // m-profile-[...]: text = inside the brackets
  kModel,         // m-model-[...]: text = inside the brackets
  kWarmupStart,   // m-warmup-start-W: value = W
  kWarmupDone,    // m-warmup-done
  kInferStart,    // m-infer-start-N: value = N
  kLapUs,         // m-lap-us-T: value = T
  kInferDone,     // m-infer-done
  kResults,       // m-results-[...]: text = inside the brackets
  kError,         // e-[...]: text = inside the brackets
};

struct ErLine {
  ErLineKind kind = ErLineKind::kOther;
  std::string text;
  int64_t value = 0;
};

// A `m-...` line whose number does not parse is kOther: it is not the line
// its prefix suggests, and the caller reports what is then missing.
ErLine ClassifyEnergyRunnerLine(std::string_view line);

struct ErInferResult {
  int64_t warmups = 0;
  int64_t inferences = 0;
  uint32_t lap_start_us = 0;
  uint32_t lap_end_us = 0;
  double per_inference_us = 0;
  std::vector<double> scores;
};

// The response to one `infer N W%` command, from its first line up to and
// including `m-ready`. Errors: DATA_LOSS when a step is missing or out of
// order (the response was truncated), a lap count other than two, N < 1, or a
// garbage line; INTERNAL when the DUT answered `e-[...]` (it rejected the
// command: firmware and driver disagree, not a property of the experiment).
[[nodiscard]] absl::StatusOr<ErInferResult> ParseEnergyRunnerInfer(const std::vector<std::string>& lines);

// A whole captured session (golden files, the runner's log.txt).
struct ErSession {
  std::string name;     // from m-name-...
  std::string profile;  // from m-profile-[...]
  std::string model;    // from m-model-[...]
  std::vector<ErInferResult> infers;
  std::vector<std::string> errors;  // e-[...] outside an inference
};

// Errors: DATA_LOSS for a garbage line (with its line number), or an
// inference response that does not end with m-ready (truncated) or is
// malformed (as ParseEnergyRunnerInfer).
[[nodiscard]] absl::StatusOr<ErSession> ParseEnergyRunnerSession(std::string_view text);

}  // namespace benchd::agent
