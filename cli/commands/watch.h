#pragma once

// `benchctl watch SWEEP`: follows the sweep's progress stream until the
// coordinator says it is complete (nothing pending or running). Progress goes
// to `err`: a bar redrawn in place on a terminal, one line per change in the
// counts otherwise. At the end, one line with the final counts goes to `out`.
//
// Experiments that no registered device can run stay pending, so a sweep
// whose only remaining work is unschedulable does not complete: the watch
// keeps waiting (the progress line says how many are unschedulable and that
// it is waiting for a device) until such a device registers or the sweep is
// cancelled.
//
// A coordinator that goes away once the watch is under way (restarted, or
// waiting for its database) is waited for: the watch says so once, on
// `err`, and reconnects after each `retry_wait` until the stream is back.
// One that does not answer the first time ends the watch at once.

#include <cstdint>

#include "absl/status/statusor.h"
#include "cli/commands/command_context.h"
#include "cli/commands/follow.h"
#include "cli/exit_codes.h"

namespace benchd::cli {

// Returns `kOk` when every experiment succeeded, `kSweepFailed` when some
// failed or were cancelled. Errors: NOT_FOUND for an unknown sweep;
// UNAVAILABLE when the coordinator cannot be reached at first, or when
// `retry_wait` gives up; INTERNAL when the stream ends before the sweep
// completes. Messages start with "watch sweep N: ".
[[nodiscard]] absl::StatusOr<ExitCode> RunWatch(
    const CommandContext& context, int64_t sweep_id,
    const FollowWait& retry_wait = SleepingFollowWait(kFollowPollInterval));

}  // namespace benchd::cli
