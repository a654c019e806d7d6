#pragma once

// Runs devices' health-check commands when the coordinator asks (HealthCheck,
// sent for quarantined devices whose Hello advertised a check), on a thread of
// its own so that the stream reader never waits for a command. Requests are
// handled one at a time, in order; a request for a device whose check is
// already waiting is merged with it.
//
// A device is healthy when its probe (if it needs one, see
// HealthCheckConfig) passes and its command exits 0 within its
// `health_check_timeout`. `detail` carries the tail of the command's output,
// or why it failed; an unknown device, or one without a check, is unhealthy
// with a detail that says so.
// Thread-safety: Submit and Stop may be called from any thread; `reply` is
// called on the checker's thread.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "benchd/v1/agent_service.pb.h"
#include "common/process_runner.h"

namespace benchd::agent {

struct HealthCheckConfig {
  std::vector<std::string> argv;  // empty: no check configured
  std::chrono::milliseconds timeout{std::chrono::seconds(30)};
  // For a device whose probe at start failed: probes it again. A check runs
  // it first, and a device that fails it is unhealthy; one that passes it
  // and has no command is healthy. Unset, or nullopt, for a device that
  // needs no probe: its command alone decides.
  std::function<std::optional<absl::Status>()> probe{};
};

class HealthChecker {
 public:
  using Reply = std::function<void(const benchd::v1::HealthResult&)>;

  // `runner` must outlive the checker. Starts the thread.
  HealthChecker(std::map<std::string, HealthCheckConfig> devices, common::ProcessRunner& runner, Reply reply);
  ~HealthChecker();

  // Queues a check of `device`.
  void Submit(const std::string& device);
  // Cancels a running check, drops queued ones, and joins the thread.
  void Stop();

  // Runs one check now, on the calling thread.
  benchd::v1::HealthResult Check(const std::string& device);

 private:
  // At most this much of the command's output goes into `detail`.
  static constexpr size_t kDetailBytes = 1024;

  void Loop();

  const std::map<std::string, HealthCheckConfig> devices_;
  common::ProcessRunner& runner_;
  const Reply reply_;

  std::mutex mutex_;  // guards the fields below
  std::condition_variable wake_;
  std::deque<std::string> queue_;
  bool stopping_ = false;
  std::atomic<bool> cancel_{false};
  std::thread thread_;
};

}  // namespace benchd::agent
