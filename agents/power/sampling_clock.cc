#include "agents/power/sampling_clock.h"

#include <time.h>

#include <algorithm>
#include <cerrno>

namespace benchd::agent::power {
namespace {

constexpr int64_t kNsPerSecond = 1'000'000'000;

timespec ToTimespec(int64_t ns) {
  return timespec{static_cast<time_t>(ns / kNsPerSecond), static_cast<long>(ns % kNsPerSecond)};
}

}  // namespace

int64_t MonotonicNowNs() {
  timespec now{};
  ::clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<int64_t>(now.tv_sec) * kNsPerSecond + now.tv_nsec;
}

int64_t MonotonicClock::NowNs() { return MonotonicNowNs(); }

bool MonotonicClock::WaitUntil(int64_t deadline_ns, std::stop_token stop) {
  while (!stop.stop_requested()) {
    const int64_t now = NowNs();
    if (now >= deadline_ns) return true;
    const timespec until = ToTimespec(std::min(deadline_ns, now + kMaxSliceNs));
    // EINTR only means a signal came in; the loop re-reads the clock.
    const int rc = ::clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, nullptr);
    if (rc != 0 && rc != EINTR) return !stop.stop_requested();
  }
  return false;
}

}  // namespace benchd::agent::power
