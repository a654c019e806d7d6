#pragma once

// `benchctl show SWEEP`: the sweep's name, submission time, whether it was
// cancelled, and progress (with unschedulable experiments, throughput and
// ETA), then one table row per experiment with its state, attempts and last
// error, then the failed experiments with their errors and the unschedulable
// ones (pending, but no registered device can run them), each in a short
// table of its own that is left out when empty.

#include <cstdint>

#include "absl/status/status.h"
#include "cli/commands/command_context.h"

namespace benchd::cli {

// Errors: NOT_FOUND for an unknown sweep id, and the coordinator's others,
// with "show ID: " in front.
[[nodiscard]] absl::Status RunShow(const CommandContext& context, int64_t sweep_id);

}  // namespace benchd::cli
