#pragma once

// The agent process, wired: spool, one worker per configured device, the
// health checker, the lease keeper and the link to the coordinator. `main`
// and the tests start it the same way.
//
// Leases: a run assigned with a lease (Assign.lease_ms, else Welcome.lease_ms)
// is stopped by the agent on its own once its lease could not be renewed in
// time (see LeaseKeeper); its RunFinished says so. A coordinator that sends no
// lease (0) does not use leases, and such runs are never stopped for it.
// Thread-safety: Shutdown may be called from any thread.

#include <atomic>
#include <map>
#include <set>
#include <memory>
#include <mutex>
#include <string>

#include "absl/status/statusor.h"
#include "agents/core/agent_config.h"
#include "agents/core/coordinator_link.h"
#include "agents/core/device_worker.h"
#include "agents/core/health_checker.h"
#include "agents/core/lease_keeper.h"
#include "agents/core/spool.h"
#include "common/process_runner.h"

namespace benchd::agent {

class Agent final : public LinkHandler {
 public:
  // Loads drivers and probes devices (a device whose probe fails is left out
  // with an error in the log; no usable device at all is an error), finishes
  // runs an earlier process left unfinished, and connects.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<Agent>> Start(const AgentConfig& config);
  ~Agent() override;

  // Cancels running benchmarks, gives the coordinator a moment to acknowledge
  // their final reports, then disconnects.
  void Shutdown();

  benchd::v1::Hello BuildHello() override;
  void OnWelcome(const benchd::v1::Welcome& welcome) override;
  void OnAssign(const benchd::v1::Assign& assign) override;
  void OnCancel(const benchd::v1::Cancel& cancel) override;
  void OnRejected(int64_t run_id, const std::string& reason) override;
  void OnLeaseRenewed(const benchd::v1::LeaseRenewed& renewed) override;
  void OnHealthCheck(const benchd::v1::HealthCheck& check) override;
  std::vector<int64_t> ExecutingRuns() override;
  void OnHeartbeatSent(int64_t seq) override;
  void OnTick() override;

 private:
  explicit Agent(AgentConfig config) : config_(std::move(config)) {}
  void Report(int64_t run_id, benchd::v1::Report body);
  // Stops every run whose lease could not be renewed in time.
  void StopExpiredRuns();

  const AgentConfig config_;
  common::BoostProcessRunner process_runner_;
  // The power samplers' time base; outlives the workers' monitors.
  power::MonotonicClock power_clock_;
  std::unique_ptr<Spool> spool_;
  std::map<std::string, std::unique_ptr<DeviceWorker>> workers_;
  LeaseKeeper leases_{std::chrono::milliseconds(5000)};
  // Welcome.lease_ms of the current connection; 0: leases unknown.
  std::atomic<int64_t> welcome_lease_ms_{0};
  std::unique_ptr<HealthChecker> health_checker_;
  std::unique_ptr<CoordinatorLink> link_;
  std::once_flag shutdown_once_;
};

}  // namespace benchd::agent
