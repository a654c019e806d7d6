#pragma once

// Device time used per sweep, for fair share between sweeps of equal
// priority: a run is charged from assignment until its device is free again.
// Kept in memory by each coordinator: after a restart every sweep starts
// even, and with two coordinators each is fair over its own agents' devices.
// Thread-safety: all methods are thread-safe.

#include <chrono>
#include <cstdint>
#include <mutex>
#include <unordered_map>

namespace benchd::daemon {

class FairShareLedger {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  void RunStarted(int64_t run_id, int64_t sweep_id, TimePoint now);
  // Unknown runs are ignored (started by another coordinator, or before a
  // restart).
  void RunEnded(int64_t run_id, TimePoint now);
  // Finished runs plus the elapsed time of running ones.
  [[nodiscard]] std::chrono::nanoseconds Used(int64_t sweep_id, TimePoint now) const;

 private:
  struct Running {
    int64_t sweep_id;
    TimePoint since;
  };
  mutable std::mutex mutex_;
  std::unordered_map<int64_t, Running> running_;
  std::unordered_map<int64_t, std::chrono::nanoseconds> finished_;
};

}  // namespace benchd::daemon
