#include "agents/core/agent.h"

#include <unistd.h>

#include <google/protobuf/util/time_util.h>
#include <spdlog/spdlog.h>

#include "agents/core/agent_version.h"
#include "agents/drivers/driver_registry.h"
#include "common/status_util.h"

namespace benchd::agent {
namespace {

std::string Hostname() {
  char host[256] = {};
  return gethostname(host, sizeof host - 1) == 0 ? host : "unknown";
}

}  // namespace

absl::StatusOr<std::unique_ptr<Agent>> Agent::Start(const AgentConfig& config) {
  std::unique_ptr<Agent> agent(new Agent(config));
  BENCHD_ASSIGN_OR_RETURN(agent->spool_, Spool::Open(config.spool_dir));

  // A run that has no RunFinished in the spool was cut off when the previous
  // process died; its benchmark is gone, so report it failed and let the
  // coordinator retry it.
  for (int64_t run_id : agent->spool_->UnfinishedRuns()) {
    benchd::v1::Report report;
    auto* finished = report.mutable_run_finished();
    finished->set_succeeded(false);
    finished->set_failure_kind(benchd::v1::FAILURE_KIND_INFRASTRUCTURE);
    finished->set_error("the agent restarted while the run was in progress");
    report.set_attempt(agent->spool_->AttemptOf(run_id));
    *finished->mutable_finished_at() = google::protobuf::util::TimeUtil::GetCurrentTime();
    auto appended = agent->spool_->Append(run_id, std::move(report));
    if (!appended.ok()) return common::WithContext(appended.status(), "close interrupted run " + std::to_string(run_id));
    spdlog::warn("run={}: interrupted by an agent restart; reported as failed", run_id);
  }

  for (const DeviceConfig& device : config.devices) {
    auto driver = CreateDriver(device.driver, device.options, agent->process_runner_);
    if (!driver.ok()) return common::WithContext(driver.status(), "device '" + device.name + "'");
    // A device that does not answer now (unplugged, tool missing) is
    // registered as unavailable, so that operators see it and why, and comes
    // back when a health check probes it again.
    auto probed = (*driver)->Probe();
    std::string unavailable;
    if (!probed.ok()) {
      unavailable = "probe failed: " + probed.status().ToString();
      spdlog::error("device={} driver={}: {}; registered as unavailable until a health check probes it again",
                    device.name, device.driver, unavailable);
    }
    std::unique_ptr<power::PowerMonitor> monitor;
    if (!device.power.empty()) {
      auto created = power::PowerMonitor::Create(device.power, agent->power_clock_, {});
      if (!created.ok()) {
        spdlog::error("device={}: power sources: {}; leaving the device out", device.name,
                      created.status().ToString());
        continue;
      }
      monitor = *std::move(created);
      spdlog::info("device={}: power rails {}", device.name, fmt::join(monitor->rails().Names(), ", "));
    }
    auto worker = std::make_unique<DeviceWorker>(
        device, config.name, std::move(*driver), config.work_dir,
        [raw = agent.get()](int64_t run_id, benchd::v1::Report body) { raw->Report(run_id, std::move(body)); },
        std::move(monitor), RunEnvironment(probed.ok() ? *probed : benchd::v1::Environment(), device.sensors),
        unavailable);
    agent->workers_[device.name] = std::move(worker);
  }
  if (agent->workers_.empty()) return absl::FailedPreconditionError("no usable device: every power source failed");

  std::map<std::string, HealthCheckConfig> checks;
  for (const auto& [name, worker] : agent->workers_) {
    checks[name] = HealthCheckConfig{worker->device().health_check, worker->device().health_check_timeout,
                                     [raw = worker.get()]() -> std::optional<absl::Status> {
                                       if (raw->UnavailableReason().empty()) return std::nullopt;
                                       return raw->ProbeIfUnavailable();
                                     }};
  }
  agent->health_checker_ = std::make_unique<HealthChecker>(
      std::move(checks), agent->process_runner_,
      [raw = agent.get()](const benchd::v1::HealthResult& result) { raw->link_->Send(result); });

  for (auto& [name, worker] : agent->workers_) worker->Start();
  agent->link_ = std::make_unique<CoordinatorLink>(
      CoordinatorLink::Options{config.coordinator, config.reconnect_initial, config.reconnect_max}, *agent->spool_,
      *agent);
  agent->link_->Start();
  spdlog::info("agent={} started with {} device(s); coordinator {}", config.name, agent->workers_.size(),
               config.coordinator);
  return agent;
}

Agent::~Agent() { Shutdown(); }

void Agent::Shutdown() {
  std::call_once(shutdown_once_, [this] {
    spdlog::info("agent={} shutting down", config_.name);
    if (health_checker_) health_checker_->Stop();
    for (auto& [name, worker] : workers_) worker->Stop();
    // Give the final reports a moment to be acknowledged; what is not stays in
    // the spool for the next start.
    if (link_ && link_->connected()) spool_->WaitForDrain(std::chrono::seconds(3));
    if (link_) link_->Stop();
    spdlog::info("agent={} stopped", config_.name);
  });
}

void Agent::Report(int64_t run_id, benchd::v1::Report body) {
  if (body.has_run_finished()) leases_.Forget(run_id);
  auto appended = spool_->Append(run_id, std::move(body));
  if (absl::IsFailedPrecondition(appended.status())) return;  // rejected run: nothing to deliver
  if (!appended.ok()) {
    // Without the spool the report could be lost; the run will time out and
    // be retried, which is better than claiming delivery.
    spdlog::error("run={}: spool: {}", run_id, appended.status().ToString());
    return;
  }
  link_->Send(*appended);
}

benchd::v1::Hello Agent::BuildHello() {
  benchd::v1::Hello hello;
  hello.set_agent_name(config_.name);
  hello.set_hostname(Hostname());
  hello.set_version(kAgentVersion);
  std::set<int64_t> executing;
  for (const auto& [name, worker] : workers_) {
    const DeviceConfig& config = worker->device();
    auto* device = hello.add_devices();
    device->set_name(config.name);
    device->set_driver(config.driver);
    device->set_platform(config.platform);
    device->mutable_labels()->insert(config.labels.begin(), config.labels.end());
    device->set_config_key(worker->CurrentConfigKey());
    device->set_has_health_check(!config.health_check.empty());
    device->set_unavailable_reason(worker->UnavailableReason());
    for (const auto& [param, values] : config.domains) {
      auto* domain = device->add_domains();
      domain->set_name(param);
      for (const std::string& value : values) domain->add_values(value);
    }
    for (std::string& name : worker->RequiredParameters()) device->add_required_parameters(std::move(name));
    if (auto run = worker->CurrentRun()) {
      auto* active = hello.add_active_runs();
      active->set_run_id(*run);
      active->set_device(config.name);
      active->set_executing(true);
      executing.insert(*run);
    }
  }
  for (int64_t run_id : spool_->Runs()) {
    if (executing.count(run_id)) continue;
    auto* active = hello.add_active_runs();
    active->set_run_id(run_id);
    active->set_executing(false);
  }
  return hello;
}

void Agent::OnWelcome(const benchd::v1::Welcome& welcome) {
  welcome_lease_ms_ = welcome.lease_ms();
  if (welcome.heartbeat_interval_ms() > 0) {
    leases_.SetCheckInterval(std::chrono::milliseconds(welcome.heartbeat_interval_ms()));
  }
}

void Agent::OnAssign(const benchd::v1::Assign& assign) {
  auto it = workers_.find(assign.device());
  if (it == workers_.end()) {
    benchd::v1::Report report;
    report.set_attempt(assign.attempt());
    auto* finished = report.mutable_run_finished();
    finished->set_succeeded(false);
    finished->set_failure_kind(benchd::v1::FAILURE_KIND_INFRASTRUCTURE);
    finished->set_error("agent " + config_.name + " has no device '" + assign.device() + "'");
    Report(assign.run_id(), std::move(report));
    return;
  }
  const int64_t lease_ms = assign.lease_ms() > 0 ? assign.lease_ms() : welcome_lease_ms_.load();
  if (leases_.Track(assign.run_id(), std::chrono::milliseconds(lease_ms))) {
    spdlog::debug("run={}: lease {} ms", assign.run_id(), lease_ms);
  }
  it->second->Submit(assign);
}

void Agent::OnCancel(const benchd::v1::Cancel& cancel) {
  spdlog::info("run={}: cancel requested: {}", cancel.run_id(), cancel.reason());
  const std::string reason =
      "cancelled by the coordinator" + (cancel.reason().empty() ? std::string() : ": " + cancel.reason());
  for (auto& [name, worker] : workers_) worker->Cancel(cancel.run_id(), reason);
}

void Agent::OnRejected(int64_t run_id, const std::string& reason) {
  spdlog::warn("run={}: the coordinator no longer accepts this run ({}); stopping it", run_id, reason);
  for (auto& [name, worker] : workers_) worker->Cancel(run_id);
}

void Agent::OnLeaseRenewed(const benchd::v1::LeaseRenewed& renewed) {
  const std::vector<int64_t> run_ids(renewed.run_ids().begin(), renewed.run_ids().end());
  const int count = leases_.Renewed(renewed.heartbeat_seq(), run_ids, std::chrono::milliseconds(renewed.lease_ms()));
  spdlog::debug("heartbeat {}: {} of {} lease(s) renewed for {} ms", renewed.heartbeat_seq(), count, run_ids.size(),
                renewed.lease_ms());
}

void Agent::OnHealthCheck(const benchd::v1::HealthCheck& check) {
  spdlog::info("device={}: health check requested", check.device());
  health_checker_->Submit(check.device());
}

void Agent::OnHeartbeatSent(int64_t seq) { leases_.HeartbeatSent(seq); }

void Agent::OnTick() { StopExpiredRuns(); }

void Agent::StopExpiredRuns() {
  for (int64_t run_id : leases_.TakeExpired()) {
    // The coordinator requeues the experiment when the lease expires; going on
    // would measure a device it may hand out again, for a report it rejects.
    const std::string reason = "stopped by the agent: the lease could not be renewed";
    spdlog::warn("run={}: lease could not be renewed (no renewal from the coordinator in time); stopping it", run_id);
    for (auto& [name, worker] : workers_) worker->Cancel(run_id, reason);
  }
}

std::vector<int64_t> Agent::ExecutingRuns() {
  std::vector<int64_t> runs;
  for (const auto& [name, worker] : workers_) {
    if (auto run = worker->CurrentRun()) runs.push_back(*run);
  }
  return runs;
}

}  // namespace benchd::agent
