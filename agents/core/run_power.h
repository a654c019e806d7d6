#pragma once

// Power measurement around one run of a device: sampling starts before the
// run, the agent holds the base window itself, the driver's phase marks (or,
// when it has none, the whole driver run as the measure window) place the
// other phases, and afterwards the samples give a PowerSummary with base,
// idle and full power and energy per inference for every rail. Meanwhile a
// drain thread empties the monitor's buffer every kDrainInterval and sends
// each rail's samples on as PowerBatch reports of kSamplesPerBatch, so a
// long run neither overflows the buffer nor holds its samples back.
//
//   RunPowerSession session(monitor, [&](PowerBatch batch) { report(batch); });
//   session.Begin(base_ms, cancel);      // sampling; base window held
//   ... EnsureConfigured, RunRepeats (phase marks: the driver's or the
//   whole driver call, repeat_runner.h)
//   auto measured = session.Finish(result.phases, result.summary.inferences(), marked_by_driver);
//
// Timeline: base [Begin + first sample, + base] ends with an `end` mark, so
// the configuration and tool start-up that follow belong to no phase; then the
// run's marks; then `end` when Finish is called. Sampling stops only
// once every rail has a sample at or after that last mark, so every window is
// covered by samples and nothing is extrapolated.
//
// Ownership: borrows the monitor, which outlives the session.
// Thread-safety: the public methods from one thread (the device worker's);
// the session's own drain thread is joined by Finish, Abandon and the
// destructor.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "agents/drivers/driver.h"
#include "agents/power/power_monitor.h"
#include "benchd/v1/agent_service.pb.h"

namespace benchd::agent {

struct RunPowerOutcome {
  benchd::v1::PowerSummary summary;
  // Figures that could not be computed, dropped samples.
  std::vector<std::string> warnings;
};

// Receives the samples, one rail per batch, in time order per rail; called
// from the drain thread and from Finish.
using PowerBatchSink = std::function<void(benchd::v1::PowerBatch)>;

class RunPowerSession {
 public:
  // How long a source may take to deliver its first sample, or one after the
  // run's end, before the run fails as an infrastructure problem.
  static constexpr std::chrono::milliseconds kSampleDeadline{3000};
  static constexpr std::chrono::milliseconds kDrainInterval{250};
  // A phase's figure needs at least this many samples inside its windows:
  // a window shorter than a few sample periods says more about where the
  // samples fell than about the device (a figure is refused with a warning
  // naming the window and the rate).
  static constexpr int64_t kMinSamplesPerFigure = 10;
  // Keeps each message well under gRPC's size limit: 4096 samples are 64 KiB.
  static constexpr int kSamplesPerBatch = 4096;

  RunPowerSession(power::PowerMonitor& monitor, PowerBatchSink sink)
      : monitor_(monitor), sink_(std::move(sink)) {}
  ~RunPowerSession();
  RunPowerSession(const RunPowerSession&) = delete;
  RunPowerSession& operator=(const RunPowerSession&) = delete;

  // Starts sampling, waits for a first sample of every rail, and holds the
  // base window for `base` (0: no base window). Errors: UNAVAILABLE when a
  // sampler cannot start or a rail gives no sample within kSampleDeadline;
  // CANCELLED when `cancel` is set meanwhile.
  [[nodiscard]] absl::Status Begin(std::chrono::milliseconds base, const std::atomic<bool>& cancel);
  // Closes the timeline with the run's `marks` (`marked_by_driver` false:
  // the agent's, the whole driver call), stops sampling, sends the last
  // samples and computes the figures over `inferences`.
  RunPowerOutcome Finish(const std::vector<PhaseMark>& marks, int64_t inferences, bool marked_by_driver = true);
  // Stops sampling; samples not yet sent are dropped (the run failed).
  void Abandon();

 private:
  void StopDraining();
  // Moves the monitor's samples into the trace and sends full batches;
  // `flush` sends the partial ones too.
  void DrainIntoTrace(bool flush = false);
  // Waits until every rail registered so far has a sample at or after
  // `t_ns` (and there is at least one rail); false at the deadline.
  bool WaitForEveryRailAt(int64_t t_ns, const std::atomic<bool>* cancel);

  power::PowerMonitor& monitor_;
  const PowerBatchSink sink_;
  bool running_ = false;
  power::PhaseTimeline timeline_;
  uint64_t dropped_at_begin_ = 0;
  std::jthread drainer_;
  std::mutex mu_;  // guards what the drain thread touches below
  std::condition_variable_any drain_wake_;
  power::PowerTrace trace_;
  std::map<uint32_t, benchd::v1::PowerBatch> pending_;
};

}  // namespace benchd::agent
