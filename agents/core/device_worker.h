#pragma once

// Runs the experiments assigned to one device, one at a time, on its own
// thread, and turns each driver result into reports: RunStarted, latency
// batches, RunFinished.
// Thread-safety: public methods are thread-safe.

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "agents/core/agent_config.h"
#include "agents/drivers/driver.h"
#include "benchd/v1/agent_service.pb.h"

namespace benchd::agent {

// Where reports go: the agent spools them and sends them on.
using ReportSink = std::function<void(int64_t run_id, benchd::v1::Report body)>;

class DeviceWorker {
 public:
  DeviceWorker(DeviceConfig device, std::string agent_name, std::unique_ptr<Driver> driver, std::string work_dir,
               ReportSink sink);
  ~DeviceWorker();

  const DeviceConfig& device() const { return device_; }
  void Start();
  // Cancels the current run and joins the thread; queued work is dropped.
  void Stop();
  // Queues an assignment. A device runs one experiment at a time; the
  // coordinator never sends a second before the first finished.
  void Submit(const benchd::v1::Assign& assign);
  // Cancels `run_id` if it is running or queued.
  void Cancel(int64_t run_id);
  std::optional<int64_t> CurrentRun() const;

 private:
  void Loop();
  void Execute(const benchd::v1::Assign& assign);
  // Runs the driver's Prepare when `request` needs another configuration
  // than the device has; returns the environment of the configuration.
  absl::StatusOr<benchd::v1::Environment> EnsureConfigured(const RunRequest& request);

  const DeviceConfig device_;
  const std::string agent_name_;
  std::unique_ptr<Driver> driver_;
  const std::string work_dir_;
  ReportSink sink_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<benchd::v1::Assign> queue_;
  std::optional<int64_t> current_run_;
  std::atomic<bool> cancel_current_{false};
  // The configuration the device is in; only the worker thread touches it.
  std::optional<std::string> current_config_;
  benchd::v1::Environment config_environment_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace benchd::agent
