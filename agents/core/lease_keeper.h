#pragma once

// The agent's view of its runs' leases. The coordinator owns a run only while
// its lease lasts; when a lease expires it requeues the experiment, so a run
// the agent keeps going past that point would measure a device the
// coordinator may hand to someone else and report results it will reject.
// The keeper tells the agent which runs to stop on its own.
//
// A run's deadline starts at assign receipt + lease - margin. A LeaseRenewed
// for heartbeat `seq` moves the listed runs' deadlines to (the time heartbeat
// `seq` was sent) + lease - margin. The coordinator counts its expiry from
// when it received the heartbeat, which is later than the send time, so the
// agent's deadline always falls before the coordinator's expiry, by at least
// the margin. Runs missing from a renewal keep their deadline; a renewal for
// a heartbeat the keeper has no send time for is ignored.
//
// A lease of 0 means the coordinator does not use leases (an older
// coordinator sends neither Welcome.lease_ms nor Assign.lease_ms): such a run
// is not tracked and never expires here.
//
// Pure logic: the time comes from the injected `now` function, nothing sleeps.
// Thread-safety: all methods are thread-safe.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <vector>

namespace benchd::agent {

class LeaseKeeper {
 public:
  using Clock = std::chrono::steady_clock;
  using NowFunction = std::function<Clock::time_point()>;

  // How often the agent checks the keeper: a deadline may be noticed up to
  // this late, so the margin is never shorter.
  explicit LeaseKeeper(std::chrono::milliseconds check_interval, NowFunction now = &Clock::now);

  // The margin between the agent's deadline and the coordinator's expiry:
  // a quarter of the lease, and at least one check interval plus the process
  // runner's kill grace period (`kStopAllowance`), because the agent notices an
  // expired deadline up to one check interval late and the benchmark's process
  // group may take the grace period to die after SIGTERM. It is capped at
  // half the lease, so a misconfigured lease shorter than that still leaves a
  // run half of it rather than stopping it at once.
  static std::chrono::milliseconds Margin(std::chrono::milliseconds lease, std::chrono::milliseconds check_interval);
  // The process runner's SIGTERM-to-SIGKILL grace period (common/process_runner.cc).
  static constexpr std::chrono::milliseconds kStopAllowance{2000};

  // The coordinator's heartbeat interval changed (Welcome).
  void SetCheckInterval(std::chrono::milliseconds check_interval);

  // Starts tracking `run_id`, assigned just now with `lease`; a lease <= 0 is
  // not tracked (returns false).
  bool Track(int64_t run_id, std::chrono::milliseconds lease);
  // Stops tracking the run (it finished).
  void Forget(int64_t run_id);

  // Heartbeat `seq` is being sent now.
  void HeartbeatSent(int64_t seq);
  // The coordinator renewed `run_ids` by `lease` on heartbeat `heartbeat_seq`.
  // Returns how many tracked runs got a later deadline.
  int Renewed(int64_t heartbeat_seq, const std::vector<int64_t>& run_ids, std::chrono::milliseconds lease);

  // Removes and returns the runs whose deadline has come (now >= deadline).
  std::vector<int64_t> TakeExpired();

  std::optional<Clock::time_point> Deadline(int64_t run_id) const;
  size_t tracked() const;

 private:
  // Send times of the latest heartbeats; older renewals are not worth keeping
  // a send time for (with a 5 s heartbeat this is over five minutes).
  static constexpr size_t kRememberedHeartbeats = 64;

  Clock::time_point DeadlineFrom(Clock::time_point start, std::chrono::milliseconds lease) const;

  const NowFunction now_;
  mutable std::mutex mutex_;  // guards the fields below
  std::chrono::milliseconds check_interval_;
  std::map<int64_t, Clock::time_point> deadlines_;
  std::map<int64_t, Clock::time_point> heartbeat_sent_;
};

}  // namespace benchd::agent
