#pragma once

// Statistics across the repeats of a run: each repeat's own latency
// statistics, the warnings a reader of the figures needs (repeats that
// disagree, latency that drifts), the stopping rule of adaptive repeats
// (`run: {ci_target: 1%}`), and how the results of separately made repeats
// combine into one run result.
//
// The unit of replication is the repeat: the confidence interval that
// adaptive repeats aim at is the 95 % Student-t interval of the mean over
// the repeats' means, so it reflects the run-to-run spread (clock, thermal
// and scheduling state) that per-inference samples within one repeat hide.
// Thread-safety: pure functions.

#include <optional>
#include <string>
#include <vector>

#include "agents/drivers/driver.h"
#include "benchd/v1/common.pb.h"

namespace benchd::agent {

// Warnings fire above these.
inline constexpr double kRepeatCvWarning = 0.05;     // coefficient of variation of the repeat means
inline constexpr double kRepeatDriftWarning = 0.05;  // monotonic change from first to last repeat mean

// The statistics of each repeat that has samples, in repeat order.
std::vector<benchd::v1::LatencyStats> PerRepeatStats(const std::vector<RepeatSamples>& repeats);

// Warnings over the repeat means (needs at least 2 repeats for the spread,
// 3 for drift).
std::vector<std::string> RepeatWarnings(const std::vector<double>& repeat_means_us);

// The half-width of the 95 % confidence interval of the mean of `values`
// relative to the mean; nullopt with fewer than two values or a zero mean.
std::optional<double> RelativeCiHalfWidth(const std::vector<double>& values);

// Whether adaptive repeats may stop after the repeats whose means are given:
// at least `min_repeats` (and 2) were made and the relative half-width is
// within `ci_target`.
bool CiTargetReached(const std::vector<double>& repeat_means_us, double ci_target, int min_repeats);

// One result from results of one repeat each, in the order they were made:
// repeats renumbered 0..n-1, samples and phase marks kept, the latency
// statistics recomputed over all samples (or, for tools without per-sample
// output, count-weighted mean with min/max and the interval over the repeat
// means), fps and gops averaged, inferences summed, extra figures averaged
// by name, the environment of the last repeat.
RunResult CombineRepeats(std::vector<RunResult> results);

}  // namespace benchd::agent
