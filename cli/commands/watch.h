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

#include <cstdint>

#include "absl/status/statusor.h"
#include "cli/commands/command_context.h"
#include "cli/exit_codes.h"

namespace benchd::cli {

// Returns `kOk` when every experiment succeeded, `kSweepFailed` when some
// failed or were cancelled. Errors: NOT_FOUND for an unknown sweep;
// UNAVAILABLE when the coordinator cannot be reached or goes away; INTERNAL
// when the stream ends before the sweep completes. Messages start with
// "watch sweep N: ".
[[nodiscard]] absl::StatusOr<ExitCode> RunWatch(const CommandContext& context, int64_t sweep_id);

}  // namespace benchd::cli
