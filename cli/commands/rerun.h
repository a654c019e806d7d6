#pragma once

// `benchctl rerun SWEEP --failed`: puts the sweep's failed experiments back in
// the queue with a fresh retry budget and says how many.

#include <cstdint>

#include "absl/status/status.h"
#include "cli/commands/command_context.h"

namespace benchd::cli {

// Errors: NOT_FOUND for an unknown sweep; UNAVAILABLE when the coordinator
// cannot be reached. Messages start with "rerun sweep N: ".
[[nodiscard]] absl::Status RunRerunFailed(const CommandContext& context, int64_t sweep_id);

}  // namespace benchd::cli
