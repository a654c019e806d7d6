#pragma once

// Whether a failed attempt earns another, and when. A measurement failure
// belongs to the experiment (the model does not fit, the precision is not
// supported) and would fail again; an infrastructure failure (the device did
// not answer, the tool crashed, the run timed out) is retried until the
// attempt limit, after an exponential backoff so a flaky board is not
// hammered. A run lost with its agent is requeued at once (LoseRuns in
// pg_statements.cc): another device may take it.

#include <chrono>

#include "benchd/v1/common.pb.h"

namespace benchd::daemon {

struct RetryOptions {
  std::chrono::milliseconds backoff_initial{std::chrono::seconds(1)};
  std::chrono::milliseconds backoff_max{std::chrono::minutes(1)};
};

struct RetryDecision {
  bool retry = false;
  // How long the experiment waits before it may be claimed again.
  std::chrono::milliseconds delay{0};
};

// `attempts` counts the attempt that just failed.
[[nodiscard]] RetryDecision DecideRetry(benchd::v1::FailureKind kind, int attempts, int max_attempts,
                                        const RetryOptions& options);

}  // namespace benchd::daemon
