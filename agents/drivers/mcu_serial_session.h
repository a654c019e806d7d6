#pragma once

// The conversation with TFLM benchmark firmware over a serial port, for the
// `mcu-tflm` driver, in one of two protocols:
//
// tflm          the firmware, after reset, prints a ready banner (a line
//               containing the configured text, default "TFLM benchmark
//               ready", optionally followed by key=value facts such as
//               arena_used_bytes=...) and then runs inferences forever,
//               printing one TFLM timing line per run
//               ("Inference took 1737835 ticks (8 ms)", or
//               "RunNIterations(10) took ..." for ten). The host only reads.
//               Warm-up = the first `warmup` inferences read are dropped.
// energyrunner  MLPerf Tiny / EEMBC EnergyRunner performance mode: after
//               reset `m-init-done` and `m-ready`; the host sends `name%` and
//               `profile%` once, then `infer 1 W%` per sample (W = warmup for
//               the first sample of a repeat, else 0) and reads m-lap-us
//               timestamps (agents/parsers/energyrunner_parser.h).
//
// Timeouts: every wait for a line is bounded by the per-inference silence
// limit (`line_timeout`, times the inferences the board must finish before
// the next line) and by the overall deadline.
// Errors: FAILED_PRECONDITION when the firmware reports a TFLM allocation
// failure (the model does not fit the arena); DEADLINE_EXCEEDED when the
// board stops answering or the deadline passes; DATA_LOSS for garbage or a
// malformed / truncated response; UNAVAILABLE when the board resets in the
// middle of a run, the port hangs up, or the firmware is in energy mode;
// INTERNAL when the DUT rejects a command; CANCELLED.
// Thread-safety: not thread-safe. Borrows the port and the log string.

#include <atomic>
#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "agents/drivers/serial_port.h"

namespace benchd::agent {

enum class McuProtocol { kTflm, kEnergyRunner };

struct McuSampleRequest {
  int warmup = 0;
  int iterations = 1;
  uint64_t clock_hz = 0;  // tflm: converts ticks
  std::chrono::milliseconds line_timeout{std::chrono::seconds(60)};
  SerialPort::Clock::time_point deadline;
};

class McuSerialSession {
 public:
  // `log`, when not null, receives every line read ("< ...") and written
  // ("> ...").
  McuSerialSession(SerialPort& port, const std::atomic<bool>& cancel, std::string* log)
      : port_(port), cancel_(cancel), log_(log) {}

  // Waits for the firmware to come up after a reset and, for energyrunner,
  // runs the name / profile handshake. Returns facts for the environment
  // (banner key=value pairs; dut_name, dut_profile, dut_model).
  [[nodiscard]] absl::StatusOr<std::map<std::string, std::string>> WaitForReady(
      McuProtocol protocol, const std::string& banner, std::chrono::milliseconds timeout);

  // Per-inference latencies in microseconds, `request.iterations` of them.
  [[nodiscard]] absl::StatusOr<std::vector<double>> CollectTflm(const McuSampleRequest& request,
                                                                const std::string& banner);
  [[nodiscard]] absl::StatusOr<std::vector<double>> CollectEnergyRunner(const McuSampleRequest& request);

 private:
  using Clock = SerialPort::Clock;

  // The next line, waiting at most `silence` and never past `deadline`.
  [[nodiscard]] absl::StatusOr<std::string> NextLine(std::chrono::milliseconds silence, Clock::time_point deadline);
  [[nodiscard]] absl::Status Send(const std::string& command, Clock::time_point deadline);
  // Sends an EnergyRunner command ("name") and returns its response lines up
  // to and including m-ready.
  [[nodiscard]] absl::StatusOr<std::vector<std::string>> Command(const std::string& command,
                                                                 std::chrono::milliseconds silence,
                                                                 Clock::time_point deadline);

  SerialPort& port_;
  const std::atomic<bool>& cancel_;
  std::string* log_;
};

}  // namespace benchd::agent
