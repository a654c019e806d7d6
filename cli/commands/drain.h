#pragma once

// `benchctl drain AGENT [--undo]`: the coordinator gives the agent no new
// work while it finishes its active runs (for maintenance or a reboot), or,
// with `--undo`, gives it work again. Prints the runs the agent is finishing
// and the device each runs on.

#include <string>

#include "absl/status/status.h"
#include "cli/commands/command_context.h"

namespace benchd::cli {

struct DrainOptions {
  std::string agent;
  bool undo = false;
};

// Errors: NOT_FOUND for an unknown agent; INVALID_ARGUMENT for an empty or
// over-long name; UNAVAILABLE when the coordinator cannot be reached.
// Messages start with "drain agent NAME: " ("undrain agent NAME: " with
// `undo`). Once the agent is draining, failing to list its runs is only a
// note on `err`: the command did what it was asked.
[[nodiscard]] absl::Status RunDrain(const CommandContext& context, const DrainOptions& options);

}  // namespace benchd::cli
