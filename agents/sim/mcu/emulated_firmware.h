#pragma once

// The behaviour of TFLM benchmark firmware on a simulated board, apart from
// any I/O: what it prints after a reset and in answer to host input, and
// when. sim-mcu-board feeds it input and writes its output to a
// pseudo-terminal.
//
// Protocols (as the `mcu-tflm` driver expects them,
// agents/drivers/mcu_serial_session.h):
//   tflm          a boot line, then "TFLM benchmark ready board=... model=...
//                 arena_used_bytes=N", then forever one line per inference:
//                 "Inference took <cycles> ticks (<ms> ms)" at the board's
//                 core clock. Input is ignored.
//   energyrunner  "m-timestamp-mode-performance", "m-init-done", "m-ready";
//                 then commands ending in '%': name, profile, timestamp,
//                 infer N [W], results, db load N, db <hex>; anything else
//                 gets "e-[Unknown command: ...]". The microsecond timer is
//                 32 bits wide and starts 2 s before wrapping, so long runs
//                 cross the wrap as real boards do.
// Latency per inference: MeanLatencyMs (agents/sim/mcu/mcu_model.h) with
// the simulator noise. Output is paced in wall time at latency x time_scale.
//
// Failure modes (the flasher's BENCHD_SIM_FAILURE recorded with the
// firmware, else the board's own): no-answer (tflm: three inferences, then
// silence; energyrunner: answers name and profile, then nothing), garbage
// (noise lines instead of timing lines / instead of m-infer-start), truncate
// (tflm: half a line after two inferences, then silence; energyrunner: stops
// after the first m-lap-us), no-fit (TFLM's arena allocation failure at
// boot, no ready line), hang (silent after reset), crash and exit:N (the
// board process dies at reset: see `ExitRequested`).
// Thread-safety: not thread-safe; one event loop owns it.

#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>

#include "agents/sim/common/simulation.h"
#include "agents/sim/mcu/firmware_image.h"

namespace benchd::sim::mcu {

class EmulatedFirmware {
 public:
  using Clock = std::chrono::steady_clock;

  EmulatedFirmware(double time_scale, Failure board_failure, Noise& noise)
      : time_scale_(time_scale), board_failure_(board_failure), noise_(noise) {}

  // Flashing (or power-up with) `state`: the firmware starts over.
  void Reset(const BoardState& state, Clock::time_point now);
  void OnInput(std::string_view bytes, Clock::time_point now);
  // When the next output is due; nullopt when the firmware is silent.
  std::optional<Clock::time_point> NextDue() const;
  // The text due by `now`; free-running firmware schedules its next line.
  std::string TakeDue(Clock::time_point now);
  // Set when the failure mode ends the board process (crash is raised
  // directly); the value is the exit status.
  std::optional<int> ExitRequested() const { return exit_requested_; }

 private:
  struct Pending {
    Clock::time_point due;
    std::string text;
  };

  // Queues `line` (CRLF added) `delay_ms` of simulated time after the last
  // queued output.
  void Emit(double delay_ms, std::string line);
  void EmitGarbage(double delay_ms);
  void ScheduleTflmInference();
  void HandleCommand(const std::string& command, Clock::time_point now);
  void Infer(int64_t n, int64_t warmup, Clock::time_point now);
  // The 32-bit microsecond timer at `now`.
  uint32_t TimerUs(Clock::time_point now) const;
  double NextLatencyMs();

  const double time_scale_;
  const Failure board_failure_;
  Noise& noise_;

  std::optional<BoardState> state_;
  Failure failure_;
  bool energyrunner_ = false;
  bool running_ = false;     // tflm: printing inferences; energyrunner: answering
  double mean_latency_ms_ = 0;
  uint64_t clock_hz_ = 0;
  int classes_ = 10;
  int64_t inferences_ = 0;   // tflm lines printed since reset
  int handshakes_ = 0;       // energyrunner name / profile answered
  Clock::time_point reset_at_;
  Clock::time_point cursor_;  // wall time of the last queued output
  std::deque<Pending> queue_;
  std::string input_;
  std::string last_results_;
  int64_t db_expected_ = 0;
  int64_t db_received_ = 0;
  std::optional<int> exit_requested_;
};

}  // namespace benchd::sim::mcu
