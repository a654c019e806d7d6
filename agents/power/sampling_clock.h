#pragma once

// The time base of every power sampler: the agent's monotonic clock
// (CLOCK_MONOTONIC, which is what std::chrono::steady_clock reads on Linux),
// behind an interface so that tests drive time by hand and never sleep.
//
// Thread-safety: implementations are safe to call from several sampler
// threads at once.

#include <cstdint>
#include <stop_token>

namespace benchd::agent::power {

// CLOCK_MONOTONIC now, in nanoseconds: the clock of every sample, phase
// mark and latency timestamp on the agent.
int64_t MonotonicNowNs();

class SamplingClock {
 public:
  virtual ~SamplingClock() = default;
  virtual int64_t NowNs() = 0;
  // Blocks until `NowNs() >= deadline_ns` or `stop` is requested; returns
  // false when it returned because of `stop`.
  [[nodiscard]] virtual bool WaitUntil(int64_t deadline_ns, std::stop_token stop) = 0;
};

// The real clock. Waits with clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME),
// so the sampling grid does not drift with the time spent reading; a wait is
// cut into slices of at most `kMaxSliceNs` to look at the stop request, which
// bounds how long `Stop()` takes at low sampling rates.
class MonotonicClock final : public SamplingClock {
 public:
  static constexpr int64_t kMaxSliceNs = 20'000'000;

  int64_t NowNs() override;
  [[nodiscard]] bool WaitUntil(int64_t deadline_ns, std::stop_token stop) override;
};

}  // namespace benchd::agent::power
