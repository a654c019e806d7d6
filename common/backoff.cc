#include "common/backoff.h"

#include <algorithm>

namespace benchd::common {

Backoff::Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max, uint64_t seed)
    : initial_(initial), max_(std::max(initial, max)), rng_(seed) {}

std::chrono::milliseconds Backoff::Next() {
  // Capping the exponent keeps the shift defined; 2^20 x initial is far past any max.
  const int exponent = std::min(attempt_, 20);
  ++attempt_;
  const int64_t ceiling = std::min<int64_t>(max_.count(), initial_.count() << exponent);
  std::uniform_int_distribution<int64_t> pick(initial_.count(), std::max<int64_t>(initial_.count(), ceiling));
  return std::chrono::milliseconds(pick(rng_));
}

}  // namespace benchd::common
