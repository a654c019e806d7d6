#pragma once

// `benchctl agents`: every agent the coordinator knows, whether it is
// connected, and its devices, one row per device.

#include "absl/status/status.h"
#include "cli/commands/command_context.h"

namespace benchd::cli {

// Errors: the coordinator's, with "agents: " in front.
[[nodiscard]] absl::Status RunAgents(const CommandContext& context);

}  // namespace benchd::cli
