#include "cli/exit_codes.h"

namespace benchd::cli {

ExitCode ExitCodeForStatus(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kOk:
      return ExitCode::kOk;
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kOutOfRange:
    // A request the object's state does not allow (rerunning a cancelled
    // sweep): the coordinator's message says what to do instead.
    case absl::StatusCode::kFailedPrecondition:
      return ExitCode::kBadInput;
    // A deadline on a read-only call almost always means the coordinator is
    // overloaded or gone, which is what the user has to act on.
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
      return ExitCode::kUnavailable;
    case absl::StatusCode::kNotFound:
      return ExitCode::kNotFound;
    default:
      return ExitCode::kInternal;
  }
}

}  // namespace benchd::cli
