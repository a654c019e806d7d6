#include "cli/commands/follow.h"

#include <thread>

namespace benchd::cli {

FollowWait SleepingFollowWait(std::chrono::milliseconds interval) {
  return [interval] {
    std::this_thread::sleep_for(interval);
    return true;
  };
}

bool IsTransient(const absl::Status& status) {
  return status.code() == absl::StatusCode::kUnavailable || status.code() == absl::StatusCode::kDeadlineExceeded ||
         status.code() == absl::StatusCode::kCancelled;
}

}  // namespace benchd::cli
