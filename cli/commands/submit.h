#pragma once

// `benchctl submit FILE [--watch] [--resume SWEEP] [--prune-invalid]`: sends a
// sweep file to the coordinator, which validates and expands it, and prints
// the new sweep's id and its experiment count, the points a resumed sweep
// already measured, and the points --prune-invalid dropped. With `--watch`,
// follows the sweep to the end.

#include <string>

#include "absl/status/statusor.h"
#include "cli/commands/command_context.h"
#include "cli/commands/follow.h"
#include "cli/exit_codes.h"

namespace benchd::cli {

struct SubmitOptions {
  std::string file;
  bool watch = false;
  // Leave out the points that already succeeded in this sweep (0: none).
  int64_t resume = 0;
  bool prune_invalid = false;
};

// Returns `kOk`, or `kSweepFailed` when a watched sweep finished with failed
// or cancelled experiments. Errors: INVALID_ARGUMENT for a file that cannot be
// read or a sweep the coordinator rejects (its message, naming file:line:column,
// is kept as is); UNAVAILABLE or DEADLINE_EXCEEDED when the coordinator cannot
// be reached. Messages start with "submit FILE: ".
// `retry_wait`: as RunWatch's, for --watch.
[[nodiscard]] absl::StatusOr<ExitCode> RunSubmit(
    const CommandContext& context, const SubmitOptions& options,
    const FollowWait& retry_wait = SleepingFollowWait(kFollowPollInterval));

// Reads a whole file. Errors: INVALID_ARGUMENT with the reason ("cannot read
// the file: No such file or directory"), because to the user a missing sweep
// file is bad input, not a missing sweep. The caller names the path.
[[nodiscard]] absl::StatusOr<std::string> ReadSweepFile(const std::string& path);

}  // namespace benchd::cli
