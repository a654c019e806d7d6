#include "daemon/store/retry_policy.h"

#include <algorithm>

namespace benchd::daemon {

RetryDecision DecideRetry(benchd::v1::FailureKind kind, int attempts, int max_attempts,
                          const RetryOptions& options) {
  // An unspecified kind comes from an agent that could not tell; retrying
  // something that may be the experiment's own fault wastes device time.
  if (kind != benchd::v1::FAILURE_KIND_INFRASTRUCTURE || attempts >= max_attempts) return {};
  auto delay = options.backoff_initial;
  for (int i = 1; i < attempts && delay < options.backoff_max; ++i) delay *= 2;
  return {true, std::min(delay, options.backoff_max)};
}

}  // namespace benchd::daemon
