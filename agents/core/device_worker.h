#pragma once

// Runs the experiments assigned to one device, one at a time, on its own
// thread, and turns each driver result into reports: RunStarted, latency
// batches, power batches, RunFinished. When the device has power sources,
// power is sampled around every run (run_power.h) and the summary carries
// base, idle and full power and energy per inference; repeats, adaptive or
// not, go through repeat_runner.h. Every report carries the attempt the run was assigned
// with (Assign.attempt), which the coordinator fences stale runs by.
//
// The finished report's environment carries `config_key` (the configuration
// the run was made in) on every run, and `reconfigure_ms` and
// `reconfigured_from` (the previous key; empty when unknown) only on the run
// that reconfigured the device, so the coordinator can time reconfigurations.
// Thread-safety: public methods are thread-safe.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "agents/core/agent_config.h"
#include "agents/core/run_environment.h"
#include "agents/drivers/driver.h"
#include "agents/power/power_monitor.h"
#include "benchd/v1/agent_service.pb.h"

namespace benchd::agent {

// Where reports go: the agent spools them and sends them on.
using ReportSink = std::function<void(int64_t run_id, benchd::v1::Report body)>;

class DeviceWorker {
 public:
  // `power` may be null: the device has no power source. A non-empty
  // `unavailable_reason` (its probe failed) starts the device unavailable.
  DeviceWorker(DeviceConfig device, std::string agent_name, std::unique_ptr<Driver> driver, std::string work_dir,
               ReportSink sink, std::unique_ptr<power::PowerMonitor> power = nullptr,
               RunEnvironment run_environment = RunEnvironment({}, {}), std::string unavailable_reason = {});
  ~DeviceWorker();

  const DeviceConfig& device() const { return device_; }
  std::vector<std::string> RequiredParameters() const { return driver_->RequiredParameters(); }
  void Start();
  // Cancels the current run and joins the thread; queued work is dropped.
  void Stop();
  // Queues an assignment. A device runs one experiment at a time; the
  // coordinator never sends a second before the first finished.
  void Submit(const benchd::v1::Assign& assign);
  // Cancels `run_id` if it is running or queued; its RunFinished (failed)
  // names `reason` when one is given. A queued run is reported finished at
  // once; a running one when its driver returns (the process runner kills
  // its process group within its grace period).
  void Cancel(int64_t run_id, const std::string& reason = "");
  std::optional<int64_t> CurrentRun() const;
  // The configuration the device is in; empty when unknown (nothing
  // configured yet, or the last Prepare failed or is in progress).
  std::string CurrentConfigKey() const;

  // Why the device cannot run anything ("probe failed: ..."); empty when it
  // can. An assignment that reaches an unavailable device fails at once, as
  // an infrastructure failure, without touching the device.
  std::string UnavailableReason() const;
  // For an unavailable device: probes it again, on the calling thread, and
  // makes it available (with the new probe's environment) when that passes.
  // OK at once for an available device. Errors: the probe's.
  [[nodiscard]] absl::Status ProbeIfUnavailable();

 private:
  struct Configuration {
    // Attached to every run made in this configuration (with `config_key`).
    benchd::v1::Environment environment;
    // Set only when this run's request reconfigured the device.
    std::optional<std::chrono::milliseconds> reconfigure_time;
    std::string reconfigured_from;
  };

  void Loop();
  void Execute(const benchd::v1::Assign& assign);
  // Runs the driver's Prepare when `request` needs another configuration
  // than the device has.
  absl::StatusOr<Configuration> EnsureConfigured(const RunRequest& request);
  // RunFinished (failed, infrastructure) for a run that never started:
  // `reason`, or "the run was cancelled before it started".
  void ReportNotStarted(const benchd::v1::Assign& assign, const std::string& reason);

  const DeviceConfig device_;
  const std::string agent_name_;
  std::unique_ptr<Driver> driver_;
  const std::string work_dir_;
  ReportSink sink_;
  std::unique_ptr<power::PowerMonitor> power_;
  RunEnvironment run_environment_;  // worker thread only

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<benchd::v1::Assign> queue_;
  std::optional<int64_t> current_run_;
  std::atomic<bool> cancel_current_{false};
  std::string cancel_reason_;
  // The configuration the device is in; written by the worker thread only.
  std::optional<std::string> current_config_;
  benchd::v1::Environment config_environment_;  // worker thread only
  std::string unavailable_reason_;
  // A passing re-probe's environment, for the worker thread to take up.
  std::optional<benchd::v1::Environment> reprobed_environment_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace benchd::agent
