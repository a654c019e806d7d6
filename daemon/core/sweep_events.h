#pragma once

// Wakes sweep watchers when something that changes progress happened.
// Watchers re-read progress from the store; this only says "look again".
// Thread-safety: all methods are thread-safe.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>

namespace benchd::daemon {

class SweepEvents {
 public:
  // A change counter; pass it back to WaitForChange.
  uint64_t Version() const;
  void Notify();
  // Returns when the version differs from `seen`, the timeout passes, or
  // Shutdown was called; returns false only after Shutdown.
  bool WaitForChange(uint64_t seen, std::chrono::milliseconds timeout);
  void Shutdown();

 private:
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  uint64_t version_ = 0;
  bool shutdown_ = false;
};

}  // namespace benchd::daemon
