#include "daemon/core/fair_share.h"

namespace benchd::daemon {

void FairShareLedger::RunStarted(int64_t run_id, int64_t sweep_id, TimePoint now) {
  std::lock_guard lock(mutex_);
  running_[run_id] = {sweep_id, now};
}

void FairShareLedger::RunEnded(int64_t run_id, TimePoint now) {
  std::lock_guard lock(mutex_);
  auto it = running_.find(run_id);
  if (it == running_.end()) return;
  finished_[it->second.sweep_id] += now - it->second.since;
  running_.erase(it);
}

std::chrono::nanoseconds FairShareLedger::Used(int64_t sweep_id, TimePoint now) const {
  std::lock_guard lock(mutex_);
  std::chrono::nanoseconds used{0};
  if (auto it = finished_.find(sweep_id); it != finished_.end()) used = it->second;
  // Linear in the runs in flight: one per busy device, tens to hundreds.
  for (const auto& [run_id, run] : running_) {
    if (run.sweep_id == sweep_id && now > run.since) used += now - run.since;
  }
  return used;
}

}  // namespace benchd::daemon
