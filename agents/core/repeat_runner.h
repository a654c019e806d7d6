#pragma once

// How the device worker gets one run's result out of a driver: one driver
// call for a fixed number of repeats, or, with adaptive repeats
// (RunSettings.ci_target > 0), one driver call per repeat until the
// confidence interval of the mean over the repeat means is within the
// target (repeat_statistics.h) or `max_repeats` were made, all within the
// run's timeout. Either way the result carries each repeat's statistics,
// the warnings about repeats that disagree or drift, and phase marks (the
// driver's own, or the whole driver call as the measure window, marked by
// the agent).
//
// Adaptive repeats keep each call's raw output in `<work_dir>/repeat-N`.
// Environment entries added: `repeats_made`, and with adaptive repeats
// `ci_target` and `ci_half_width` (relative, e.g. "0.0084").
// Thread-safety: as Driver::Run.

#include <atomic>

#include "absl/status/statusor.h"
#include "agents/drivers/driver.h"

namespace benchd::agent {

struct RepeatedRun {
  RunResult result;
  // False when the phase marks are the agent's (the whole driver call).
  bool driver_marked_phases = false;
};

[[nodiscard]] absl::StatusOr<RepeatedRun> RunRepeats(Driver& driver, const RunRequest& request,
                                                     const std::atomic<bool>& cancel);

}  // namespace benchd::agent
