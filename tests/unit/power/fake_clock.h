#pragma once

// A sampling clock the test moves by hand: `WaitUntil` blocks until the test
// advances time past the deadline (or the sampler is stopped), so sampler
// tests are exact and never sleep.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <stop_token>

#include "agents/power/sampling_clock.h"

namespace benchd::agent::power::testing {

class FakeClock final : public SamplingClock {
 public:
  explicit FakeClock(int64_t start_ns = 0) : now_(start_ns) {}

  int64_t NowNs() override {
    std::lock_guard lock(mu_);
    return now_;
  }

  bool WaitUntil(int64_t deadline_ns, std::stop_token stop) override {
    std::unique_lock lock(mu_);
    ++waits_;
    changed_.notify_all();
    return changed_.wait(lock, stop, [&] { return now_ >= deadline_ns; });
  }

  // Blocks until `WaitUntil` has been entered `count` times in all (a
  // sampler finished that many polls and went to wait); false on timeout.
  bool WaitForWaits(int64_t count, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    return changed_.wait_for(lock, timeout, [&] { return waits_ >= count; });
  }

  void AdvanceTo(int64_t t_ns) {
    {
      std::lock_guard lock(mu_);
      now_ = t_ns;
    }
    changed_.notify_all();
  }
  void Advance(int64_t delta_ns) { AdvanceTo(NowNs() + delta_ns); }

 private:
  std::mutex mu_;
  std::condition_variable_any changed_;
  int64_t now_;
  int64_t waits_ = 0;
};

}  // namespace benchd::agent::power::testing
