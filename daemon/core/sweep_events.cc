#include "daemon/core/sweep_events.h"

namespace benchd::daemon {

uint64_t SweepEvents::Version() const {
  std::lock_guard lock(mutex_);
  return version_;
}

void SweepEvents::Notify() {
  {
    std::lock_guard lock(mutex_);
    ++version_;
  }
  changed_.notify_all();
}

bool SweepEvents::WaitForChange(uint64_t seen, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  changed_.wait_for(lock, timeout, [&] { return shutdown_ || version_ != seen; });
  return !shutdown_;
}

void SweepEvents::Shutdown() {
  {
    std::lock_guard lock(mutex_);
    shutdown_ = true;
  }
  changed_.notify_all();
}

}  // namespace benchd::daemon
