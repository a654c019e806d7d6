#include "daemon/core/scheduler.h"

#include <pthread.h>
#include <spdlog/spdlog.h>

#include "daemon/core/scheduling_policy.h"

namespace benchd::daemon {
namespace {

std::map<std::pair<std::string, std::string>, DeviceHealth> ByDevice(std::vector<DeviceHealth> devices) {
  std::map<std::pair<std::string, std::string>, DeviceHealth> by_device;
  for (DeviceHealth& device : devices) {
    auto key = std::make_pair(device.agent_name, device.device_name);
    by_device[key] = std::move(device);
  }
  return by_device;
}

}  // namespace

Scheduler::Scheduler(Store& store, AgentRegistry& agents, SweepEvents& events, Options options)
    : store_(store), agents_(agents), events_(events), options_(options), reload_every_(options.refresh) {}

Scheduler::~Scheduler() { Stop(); }

void Scheduler::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void Scheduler::Kick() {
  {
    std::lock_guard lock(mutex_);
    kicked_ = true;
  }
  wake_.notify_one();
}

void Scheduler::WorkChanged() {
  work_changed_ = true;
  Kick();
}

void Scheduler::RunEnded(int64_t run_id) { ledger_.RunEnded(run_id, std::chrono::steady_clock::now()); }

void Scheduler::FreeAfterReload(std::shared_ptr<AgentSession> session, int64_t run_id) {
  {
    std::lock_guard lock(frees_mutex_);
    frees_after_reload_.emplace_back(std::move(session), run_id);
  }
  Kick();
}

void Scheduler::Stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void Scheduler::Loop() {
  ::pthread_setname_np(::pthread_self(), "benchd-sched");
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    kicked_ = false;
    lock.unlock();
    RunOnce();
    lock.lock();
    wake_.wait_for(lock, options_.tick, [&] { return stopping_ || kicked_; });
  }
}

void Scheduler::RunOnce() {
  const TimePoint now = std::chrono::steady_clock::now();
  ExpireLeasesIfDue(now);
  ReloadIfDue(now);
  AssignFreeDevices(now);
  SendHealthChecks(now);
}

void Scheduler::ExpireLeasesIfDue(TimePoint now) {
  if (now - leases_checked_at_ < options_.tick) return;
  leases_checked_at_ = now;
  auto expired = store_.ExpireLeases();
  if (!expired.ok()) {
    spdlog::warn("scheduler: expire leases: {}", expired.status().ToString());
  } else if (!expired->lost_run_ids.empty()) {
    spdlog::warn("scheduler: {} run(s) lost their lease and were requeued", expired->lost_run_ids.size());
    for (int64_t run_id : expired->lost_run_ids) ledger_.RunEnded(run_id, now);
    work_changed_ = true;
    events_.Notify();
  }
}

void Scheduler::ReloadIfDue(TimePoint now) {
  // Taken before loading: the snapshot about to be loaded knows of them.
  std::vector<std::pair<std::shared_ptr<AgentSession>, int64_t>> frees;
  {
    std::lock_guard lock(frees_mutex_);
    frees.swap(frees_after_reload_);
  }
  const bool work_changed = work_changed_.exchange(false);
  if (!work_changed && now - loaded_at_ < reload_every_) {
    if (!frees.empty()) ReloadHealth(std::move(frees), now);
    return;
  }
  const TimePoint started = std::chrono::steady_clock::now();
  ++work_group_loads_;
  auto groups = store_.LoadWorkGroups();
  auto health = store_.LoadDeviceHealth();
  if (!groups.ok() || !health.ok()) {
    spdlog::warn("scheduler: load snapshot: {}",
                 (!groups.ok() ? groups.status() : health.status()).ToString());
    work_changed_ = true;  // try again next pass
    std::lock_guard lock(frees_mutex_);
    frees_after_reload_.insert(frees_after_reload_.begin(), frees.begin(), frees.end());
    return;
  }
  {
    std::lock_guard lock(state_mutex_);
    groups_ = std::make_shared<std::vector<WorkGroup>>(*std::move(groups));
    health_ = ByDevice(*std::move(health));
    empty_for_device_.clear();
  }
  FreeRuns(frees, now);
  loaded_at_ = now;
  // A large backlog makes the grouping query slow; reloading it back to back
  // would keep the database busy for little news.
  reload_every_ = std::max<std::chrono::nanoseconds>(options_.refresh, 10 * (std::chrono::steady_clock::now() - started));
}

void Scheduler::ReloadHealth(std::vector<std::pair<std::shared_ptr<AgentSession>, int64_t>> frees, TimePoint now) {
  auto health = store_.LoadDeviceHealth();
  if (!health.ok()) {
    spdlog::warn("scheduler: load device health: {}", health.status().ToString());
    std::lock_guard lock(frees_mutex_);
    frees_after_reload_.insert(frees_after_reload_.begin(), frees.begin(), frees.end());
    return;  // tried again at the next pass
  }
  {
    std::lock_guard lock(state_mutex_);
    health_ = ByDevice(*std::move(health));
  }
  FreeRuns(frees, now);
}

void Scheduler::FreeRuns(const std::vector<std::pair<std::shared_ptr<AgentSession>, int64_t>>& frees,
                         TimePoint now) {
  for (const auto& [session, run_id] : frees) {
    if (session->MarkRunDone(run_id)) ledger_.RunEnded(run_id, now);
  }
}

const DeviceHealth* Scheduler::HealthOf(const std::string& agent, const std::string& device) const {
  auto it = health_.find({agent, device});
  return it == health_.end() ? nullptr : &it->second;
}

Scheduler::Plan Scheduler::PlanLocked(std::vector<Candidate> candidates, TimePoint now) {
  Plan plan;
  plan.snapshot = groups_;
  if (plan.snapshot->empty()) return plan;
  const DeviceTimeOf device_time = [&](int64_t sweep_id) { return ledger_.Used(sweep_id, now); };
  for (Candidate& candidate : candidates) {
    const DeviceSlot& slot = candidate.device.slot;
    const DeviceHealth* health = HealthOf(slot.agent_name, slot.device_name);
    if (health == nullptr) {
      work_changed_ = true;  // attached since the snapshot: know its state first
      continue;
    }
    if (!health->enabled || health->quarantined || health->unavailable || health->agent_draining) continue;
    std::vector<const WorkGroup*> ranked = RankGroups(candidate.device.view, *plan.snapshot, device_time);
    if (auto empty = empty_for_device_.find({slot.agent_name, slot.device_name}); empty != empty_for_device_.end()) {
      std::erase_if(ranked, [&](const WorkGroup* group) { return empty->second.count(group) != 0; });
    }
    if (ranked.empty()) continue;
    if (ranked.size() > options_.groups_per_claim) ranked.resize(options_.groups_per_claim);
    plan.requests.push_back(
        {slot, std::move(ranked), health->domains_json, options_.lease, health->required_parameters});
    plan.candidates.push_back(std::move(candidate));
  }
  return plan;
}

Scheduler::Plan Scheduler::PlanNextRuns(std::vector<Candidate> finishing) {
  std::lock_guard lock(state_mutex_);
  return PlanLocked(std::move(finishing), std::chrono::steady_clock::now());
}

void Scheduler::AssignFreeDevices(TimePoint now) {
  std::vector<Candidate> idle;
  for (const auto& session : agents_.Snapshot()) {
    for (AgentSession::IdleDevice& device : session->IdleDevices()) idle.push_back({session, std::move(device), {}});
  }
  if (idle.empty()) return;
  Plan plan;
  {
    std::lock_guard lock(state_mutex_);
    plan = PlanLocked(std::move(idle), now);
  }
  if (plan.requests.empty()) return;
  auto outcomes = store_.ClaimBatch(plan.requests);
  if (!outcomes.ok()) {
    spdlog::warn("scheduler: claim for {} device(s): {}", plan.requests.size(), outcomes.status().ToString());
    return;  // the database is in trouble; try again at the next tick
  }
  StartRuns(plan, *outcomes);
}

void Scheduler::StartRuns(Plan& plan, std::vector<ClaimOutcome>& outcomes) {
  const TimePoint now = std::chrono::steady_clock::now();
  std::vector<WorkGroup>& groups = *plan.snapshot;
  bool assigned_any = false;
  bool freed_any = false;
  std::lock_guard lock(state_mutex_);
  for (size_t i = 0; i < outcomes.size(); ++i) {
    const ClaimRequest& request = plan.requests[i];
    ClaimOutcome& outcome = outcomes[i];
    Candidate& candidate = plan.candidates[i];
    AgentSession& session = *candidate.session;
    // A device narrowed by domains or required parameters may find nothing
    // in a group others can still take; only for unconstrained devices is an
    // empty group empty.
    if (request.domains_json == "{}" && request.required_parameters.empty()) {
      for (const WorkGroup* empty : outcome.came_up_empty) groups[empty - groups.data()].pending = 0;
    } else if (plan.snapshot == groups_) {
      empty_for_device_[{request.slot.agent_name, request.slot.device_name}].insert(outcome.came_up_empty.begin(),
                                                                                   outcome.came_up_empty.end());
    }
    if (candidate.finishing_run_id) ledger_.RunEnded(*candidate.finishing_run_id, now);
    if (!outcome.claim) {
      if (candidate.finishing_run_id) freed_any = session.MarkRunDone(*candidate.finishing_run_id) || freed_any;
      continue;
    }
    const Claim& work = *outcome.claim;
    const WorkGroup* from = request.groups[outcome.came_up_empty.size()];
    groups[from - groups.data()].pending -= 1;
    // A session that went away meanwhile: the run's lease expires and the
    // experiment is requeued.
    const bool taken = candidate.finishing_run_id
                           ? session.HandOver(*candidate.finishing_run_id, work.run_id, work.config_key)
                           : session.MarkBusy(request.slot.device_name, work.run_id, work.config_key);
    if (!taken) continue;
    ledger_.RunStarted(work.run_id, work.sweep_id, now);
    benchd::v1::CoordinatorMessage message;
    benchd::v1::Assign* assign = message.mutable_assign();
    assign->set_run_id(work.run_id);
    assign->set_experiment_id(work.experiment_id);
    assign->set_device(request.slot.device_name);
    *assign->mutable_parameters() = work.parameters;
    *assign->mutable_settings() = work.settings;
    assign->set_config_key(work.config_key);
    assign->set_attempt(work.attempt);
    assign->set_lease_ms(options_.lease.count());
    session.Send(std::move(message));
    spdlog::debug("assigned experiment={} run={} attempt={} to agent={} device={}", work.experiment_id,
                  work.run_id, work.attempt, request.slot.agent_name, request.slot.device_name);
    assigned_any = true;
  }
  if (assigned_any) events_.Notify();
  // Nothing in the groups tried: the full pass may know more.
  if (freed_any) Kick();
}

void Scheduler::SendHealthChecks(TimePoint now) {
  std::lock_guard lock(state_mutex_);
  for (const auto& [key, health] : health_) {
    // An unavailable device's check is a new probe, which every agent can do.
    const bool checkable = (health.quarantined && health.has_health_check) || health.unavailable;
    if (!checkable || !health.enabled) continue;
    auto& checked_at = health_checked_at_[key];
    if (checked_at != TimePoint{} && now - checked_at < options_.health_check_interval) continue;
    auto session = agents_.Find(health.agent_name);
    if (session == nullptr || !session->HasDevice(health.device_name)) continue;
    checked_at = now;
    benchd::v1::CoordinatorMessage message;
    message.mutable_health_check()->set_device(health.device_name);
    session->Send(std::move(message));
    spdlog::info("agent={} device={}: {}; health check requested", health.agent_name, health.device_name,
                 health.unavailable ? "unavailable" : "quarantined");
  }
}

}  // namespace benchd::daemon
