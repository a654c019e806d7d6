#include "tests/support/wait_until.h"

#include <thread>

namespace benchd::testing {

bool WaitUntil(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  // Short enough not to slow tests down, long enough not to compete with
  // the processes being watched for two cores.
  constexpr auto kPollInterval = std::chrono::milliseconds(10);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= deadline) return condition();
    std::this_thread::sleep_for(kPollInterval);
  }
  return true;
}

}  // namespace benchd::testing
