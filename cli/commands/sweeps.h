#pragma once

// `benchctl sweeps`: one table row per sweep with its progress counts.

#include "absl/status/status.h"
#include "cli/commands/command_context.h"

namespace benchd::cli {

// Errors: the coordinator's, with "sweeps: " in front.
[[nodiscard]] absl::Status RunSweeps(const CommandContext& context);

}  // namespace benchd::cli
