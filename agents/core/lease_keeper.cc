#include "agents/core/lease_keeper.h"

#include <algorithm>

namespace benchd::agent {

using std::chrono::milliseconds;

LeaseKeeper::LeaseKeeper(milliseconds check_interval, NowFunction now)
    : now_(std::move(now)), check_interval_(check_interval) {}

milliseconds LeaseKeeper::Margin(milliseconds lease, milliseconds check_interval) {
  const milliseconds margin = std::max(lease / 4, check_interval + kStopAllowance);
  return std::min(margin, lease / 2);
}

void LeaseKeeper::SetCheckInterval(milliseconds check_interval) {
  std::lock_guard lock(mutex_);
  check_interval_ = check_interval;
}

LeaseKeeper::Clock::time_point LeaseKeeper::DeadlineFrom(Clock::time_point start, milliseconds lease) const {
  return start + lease - Margin(lease, check_interval_);
}

bool LeaseKeeper::Track(int64_t run_id, milliseconds lease) {
  if (lease <= milliseconds::zero()) return false;
  const Clock::time_point now = now_();
  std::lock_guard lock(mutex_);
  deadlines_[run_id] = DeadlineFrom(now, lease);
  return true;
}

void LeaseKeeper::Forget(int64_t run_id) {
  std::lock_guard lock(mutex_);
  deadlines_.erase(run_id);
}

void LeaseKeeper::HeartbeatSent(int64_t seq) {
  const Clock::time_point now = now_();
  std::lock_guard lock(mutex_);
  heartbeat_sent_[seq] = now;
  while (heartbeat_sent_.size() > kRememberedHeartbeats) heartbeat_sent_.erase(heartbeat_sent_.begin());
}

int LeaseKeeper::Renewed(int64_t heartbeat_seq, const std::vector<int64_t>& run_ids, milliseconds lease) {
  if (lease <= milliseconds::zero()) return 0;
  std::lock_guard lock(mutex_);
  auto sent = heartbeat_sent_.find(heartbeat_seq);
  if (sent == heartbeat_sent_.end()) return 0;
  const Clock::time_point deadline = DeadlineFrom(sent->second, lease);
  int renewed = 0;
  for (int64_t run_id : run_ids) {
    auto it = deadlines_.find(run_id);
    // A renewal that arrives after a later one must not pull a deadline back.
    if (it == deadlines_.end() || it->second >= deadline) continue;
    it->second = deadline;
    ++renewed;
  }
  return renewed;
}

std::vector<int64_t> LeaseKeeper::TakeExpired() {
  const Clock::time_point now = now_();
  std::lock_guard lock(mutex_);
  std::vector<int64_t> expired;
  for (auto it = deadlines_.begin(); it != deadlines_.end();) {
    if (now >= it->second) {
      expired.push_back(it->first);
      it = deadlines_.erase(it);
    } else {
      ++it;
    }
  }
  return expired;
}

std::optional<LeaseKeeper::Clock::time_point> LeaseKeeper::Deadline(int64_t run_id) const {
  std::lock_guard lock(mutex_);
  auto it = deadlines_.find(run_id);
  if (it == deadlines_.end()) return std::nullopt;
  return it->second;
}

size_t LeaseKeeper::tracked() const {
  std::lock_guard lock(mutex_);
  return deadlines_.size();
}

}  // namespace benchd::agent
