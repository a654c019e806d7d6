#pragma once

// Power measurement around one run of a device: sampling starts before the
// run, the agent holds the base window itself, the driver's phase marks (or,
// when it has none, the whole driver run as the measure window) place the
// other phases, and afterwards the samples become PowerBatch reports and a
// PowerSummary with base, idle and full power and energy per inference for
// every rail.
//
//   RunPowerSession session(monitor);
//   session.Begin(base_ms, cancel);      // sampling; base window held
//   session.DriverStarting();            // EnsureConfigured + driver->Run
//   auto measured = session.Finish(result.phases, result.summary.inferences());
//
// Timeline: base [Begin + first sample, + base] ends with an `end` mark, so
// the configuration and tool start-up that follow belong to no phase; then the
// driver's marks; then `end` when the driver returned. Sampling stops only
// once every rail has a sample at or after that last mark, so every window is
// covered by samples and nothing is extrapolated.
//
// Ownership: borrows the monitor, which outlives the session.
// Thread-safety: one thread (the device worker's).

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "agents/drivers/driver.h"
#include "agents/power/power_monitor.h"
#include "benchd/v1/agent_service.pb.h"

namespace benchd::agent {

struct RunPowerOutcome {
  benchd::v1::PowerSummary summary;
  // Every sample, per rail, in chunks small enough for one message.
  std::vector<benchd::v1::PowerBatch> batches;
  // Figures that could not be computed, dropped samples.
  std::vector<std::string> warnings;
};

class RunPowerSession {
 public:
  // How long a source may take to deliver its first sample, or one after the
  // run's end, before the run fails as an infrastructure problem.
  static constexpr std::chrono::milliseconds kSampleDeadline{3000};

  explicit RunPowerSession(power::PowerMonitor& monitor) : monitor_(monitor) {}
  ~RunPowerSession();
  RunPowerSession(const RunPowerSession&) = delete;
  RunPowerSession& operator=(const RunPowerSession&) = delete;

  // Starts sampling, waits for a first sample of every rail, and holds the
  // base window for `base` (0: no base window). Errors: UNAVAILABLE when a
  // sampler cannot start or a rail gives no sample within kSampleDeadline;
  // CANCELLED when `cancel` is set meanwhile.
  [[nodiscard]] absl::Status Begin(std::chrono::milliseconds base, const std::atomic<bool>& cancel);
  // Where the fallback measure window starts.
  void DriverStarting();
  // Closes the timeline (driver marks, or the whole driver run), stops
  // sampling and computes the figures over `inferences`.
  RunPowerOutcome Finish(const std::vector<PhaseMark>& driver_marks, int64_t inferences);
  // Stops sampling and drops the samples (the run failed).
  void Abandon();

 private:
  void DrainIntoTrace();
  // Waits until every rail registered so far has a sample at or after
  // `t_ns` (and there is at least one rail); false at the deadline.
  bool WaitForEveryRailAt(int64_t t_ns, const std::atomic<bool>* cancel);

  power::PowerMonitor& monitor_;
  bool running_ = false;
  power::PhaseTimeline timeline_;
  int64_t driver_start_ns_ = 0;
  std::vector<power::PowerSample> samples_;
  power::PowerTrace trace_;
  uint64_t dropped_at_begin_ = 0;
};

}  // namespace benchd::agent
