#pragma once

// `benchctl plan FILE [--prune-invalid] [--output text|json] [--max-points N]`:
// what a sweep file would run, without submitting it. Parses and expands the
// file against the platform catalog compiled into benchctl, exactly as the
// coordinator would, and prints the points per platform, a sample of them,
// the reconfiguration groups, the points `--prune-invalid` drops, and an
// estimate of device time (see `cli/commands/plan_estimate.h`).
//
// The coordinator is optional: when it answers, earlier results of the same
// platforms and topologies refine the estimate (read-only calls; nothing is
// ever submitted); when it does not, the plan says so and uses the compiled-in
// reference latencies. Its absence is never an error.

#include <chrono>
#include <cstddef>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "cli/commands/command_context.h"
#include "cli/commands/plan_history.h"

namespace benchd::cli {

// The deadline of each history call when `--timeout` is not given: a plan
// must not wait the default ten seconds on a coordinator that is not there.
inline constexpr std::chrono::milliseconds kPlanHistoryTimeout{2000};

enum class PlanFormat { kText, kJson };

// "text" or "json". Errors: INVALID_ARGUMENT for anything else.
[[nodiscard]] absl::StatusOr<PlanFormat> ParsePlanFormat(const std::string& name);

struct PlanOptions {
  std::string file;
  bool prune_invalid = false;
  PlanFormat format = PlanFormat::kText;
  // The expansion cap (ExpandOptions::max_points).
  size_t max_points = 1'000'000;
  // Points shown per platform in the sample.
  size_t sample_per_platform = 3;
  // Whether to ask the coordinator for earlier results at all.
  bool use_history = true;
  HistoryLimits history_limits;
};

// Errors: INVALID_ARGUMENT for a file that cannot be read ("plan FILE: cannot
// read the file: ...") or a sweep with an error (the parser's
// "FILE:LINE:COLUMN: key.path: message", kept as is); INTERNAL when the
// compiled-in catalog does not load. Writes the plan to `context.out` only on
// success.
[[nodiscard]] absl::Status RunPlan(const CommandContext& context, const PlanOptions& options);

}  // namespace benchd::cli
