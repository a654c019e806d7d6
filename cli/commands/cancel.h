#pragma once

// `benchctl cancel SWEEP`: cancels the sweep's pending experiments and stops
// its running ones (the coordinator tells their agents to kill them), then
// says how many of each. A cancelled sweep cannot be rerun; submitting its
// file again with `--resume SWEEP` runs what is missing.

#include <cstdint>

#include "absl/status/status.h"
#include "cli/commands/command_context.h"

namespace benchd::cli {

// Errors: NOT_FOUND for an unknown sweep; UNAVAILABLE when the coordinator
// cannot be reached. Messages start with "cancel sweep N: ".
[[nodiscard]] absl::Status RunCancel(const CommandContext& context, int64_t sweep_id);

}  // namespace benchd::cli
