#pragma once

// The real-time side of a simulated run. Only when BENCHD_SIM_POWER_DIR is
// set does a simulator spend real time, in the phases of its run, while its
// power tree (sim_power.h) under that directory follows them:
//   load     idle power, for BENCHD_SIM_LOAD_MS (default 100): the tool
//            loading the model;
//   warm-up  full power, for the warm-up time its report implies;
//   measure  full power, for the timed part its report claims (trtexec's
//            host walltime, benchmark_app's duration, the sum of
//            benchmark_model's run times);
//   end      base power, written when the timed part ends, right before the
//            simulator prints its report and exits.
// Without the variable the simulators stay instant, as tests and the demo
// expect. Phase ends are absolute deadlines from the start of the load
// phase, so file writes and wake-ups never add up: the timed part lasts its
// simulated length to within one wake-up latency (well under 1 ms on an idle
// machine).
//
// Within a phase the rails are rewritten every `kPowerTick` (10 ms): with
// fresh noise (BENCHD_SIM_NOISE, as for latencies; 0 writes the exact
// figures), or with the next row of a measured trace. A trace (the Edge TPU's
// supply samples) replaces full power in warm-up and in the timed part, one
// row per tick from the start of warm-up, from the first row again after the
// last.
//
// Thread-safety: a `PowerPlayback` is used by one thread.

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "agents/sim/common/power_figures.h"
#include "agents/sim/common/sim_power.h"
#include "agents/sim/common/simulation.h"

namespace benchd::sim {

inline constexpr std::chrono::milliseconds kPowerTick{10};

struct PowerProfile {
  PowerFigures levels;
  std::vector<double> trace_w;  // non-empty: replayed instead of `levels.full_w`
};

// The phases' lengths after the load phase.
struct RunPhases {
  std::chrono::nanoseconds warmup{0};
  std::chrono::nanoseconds measure{0};
};

// Milliseconds as a simulator computes them, rounded to nanoseconds.
std::chrono::nanoseconds FromMs(double ms);

// The time seam, so tests can play a run without waiting for it.
class PlaybackClock {
 public:
  virtual ~PlaybackClock() = default;
  virtual std::chrono::steady_clock::time_point Now() = 0;
  virtual void SleepUntil(std::chrono::steady_clock::time_point deadline) = 0;
};

// CLOCK_MONOTONIC, as the agent stamps its samples and phase marks.
class SteadyPlaybackClock final : public PlaybackClock {
 public:
  std::chrono::steady_clock::time_point Now() override { return std::chrono::steady_clock::now(); }
  void SleepUntil(std::chrono::steady_clock::time_point deadline) override;
};

class PowerPlayback {
 public:
  // Borrows `clock`, which must outlive the playback.
  PowerPlayback(PowerTree tree, PowerProfile profile, Noise noise, PlaybackClock& clock)
      : tree_(std::move(tree)), profile_(std::move(profile)), noise_(std::move(noise)), clock_(clock) {}

  // Plays load, warm-up and measure, then writes base power and returns, at
  // the end of the timed part. Errors: those of `PowerTree::Write`, at once.
  [[nodiscard]] absl::Status Play(std::chrono::nanoseconds load, const RunPhases& phases);

 private:
  using TimePoint = std::chrono::steady_clock::time_point;
  // Rewrites the rails every tick from `from` until `to`, with `level`'s
  // value at each tick's start.
  template <typename Level>
  absl::Status Hold(TimePoint from, TimePoint to, const Level& level);

  PowerTree tree_;
  PowerProfile profile_;
  Noise noise_;
  PlaybackClock& clock_;
};

// BENCHD_SIM_POWER_DIR and BENCHD_SIM_LOAD_MS.
struct SimPowerSettings {
  std::string dir;
  std::chrono::milliseconds load{100};
};
// nullopt when BENCHD_SIM_POWER_DIR is unset or empty. A BENCHD_SIM_LOAD_MS
// that is not a whole number of milliseconds (0 to 600000) is reported on
// stderr and the default is used.
std::optional<SimPowerSettings> SimPowerFromEnvironment();

// What a simulator's main calls: opens the tree under `settings.dir` in
// `layout` (hwmon chip `chip`, base power from the profile; existing name
// files are kept) and plays the run in real time with noise from the
// environment. Errors: those of `PowerTree::Open` and `Play`, prefixed with
// "simulated power".
[[nodiscard]] absl::Status PlayRunPower(const SimPowerSettings& settings, PowerLayout layout, const std::string& chip,
                                        const PowerProfile& profile, const RunPhases& phases);

}  // namespace benchd::sim
