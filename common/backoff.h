#pragma once

// Exponential backoff with full jitter, for reconnect loops: the n-th delay is
// uniform in [initial, min(max, initial * 2^n)], so agents that lost the
// coordinator together do not all come back in the same instant.
// Thread-safety: not thread-safe; one per loop.

#include <chrono>
#include <random>

namespace benchd::common {

class Backoff {
 public:
  Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max, uint64_t seed = std::random_device{}());

  std::chrono::milliseconds Next();
  void Reset() { attempt_ = 0; }

 private:
  const std::chrono::milliseconds initial_;
  const std::chrono::milliseconds max_;
  int attempt_ = 0;
  std::mt19937_64 rng_;
};

}  // namespace benchd::common
