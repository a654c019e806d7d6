#include "daemon/core/scheduler.h"

#include <spdlog/spdlog.h>

namespace benchd::daemon {

Scheduler::Scheduler(Store& store, AgentRegistry& agents, SweepEvents& events, Options options)
    : store_(store), agents_(agents), events_(events), options_(options) {}

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

void Scheduler::Stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void Scheduler::Loop() {
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
  auto expired = store_.ExpireLeases();
  if (!expired.ok()) {
    spdlog::warn("scheduler: expire leases: {}", expired.status().ToString());
  } else if (!expired->lost_run_ids.empty()) {
    spdlog::warn("scheduler: {} run(s) lost their lease and were requeued", expired->lost_run_ids.size());
    events_.Notify();
  }
  AssignIdleDevices();
}

void Scheduler::AssignIdleDevices() {
  bool assigned_any = false;
  for (const auto& session : agents_.Snapshot()) {
    for (const DeviceSlot& slot : session->IdleDevices()) {
      auto claim = store_.ClaimExperiment(slot, options_.lease);
      if (!claim.ok()) {
        spdlog::warn("scheduler: claim for agent={} device={}: {}", slot.agent_name, slot.device_name,
                     claim.status().ToString());
        return;  // the database is in trouble; try again at the next tick
      }
      if (!claim->has_value()) continue;
      const Claim& work = **claim;
      if (!session->MarkBusy(slot.device_name, work.run_id)) continue;  // lease expiry will requeue it
      benchd::v1::CoordinatorMessage message;
      benchd::v1::Assign* assign = message.mutable_assign();
      assign->set_run_id(work.run_id);
      assign->set_experiment_id(work.experiment_id);
      assign->set_device(slot.device_name);
      *assign->mutable_parameters() = work.parameters;
      *assign->mutable_settings() = work.settings;
      assign->set_config_key(work.config_key);
      session->Send(std::move(message));
      spdlog::info("assigned experiment={} run={} attempt={} to agent={} device={}", work.experiment_id,
                   work.run_id, work.attempt, slot.agent_name, slot.device_name);
      assigned_any = true;
    }
  }
  if (assigned_any) events_.Notify();
}

}  // namespace benchd::daemon
