#pragma once

// Descriptive statistics of latency samples, the one implementation benchd
// uses everywhere (drivers, daemon queries, tests).
//
// Definitions: std is the sample standard deviation (n - 1); percentiles use
// linear interpolation between closest ranks (numpy's default, R type 7); the
// 95 % confidence interval of the mean uses Student's t with n - 1 degrees of
// freedom. For n == 1 there is no spread to estimate: std and the interval
// are left unset (absent), as is every figure for n == 0.
// Thread-safety: pure functions.

#include <span>

#include "benchd/v1/common.pb.h"

namespace benchd::common {

// Returns an all-zero LatencyStats for an empty input.
benchd::v1::LatencyStats ComputeLatencyStats(std::span<const double> samples_us);

// Percentile `q` in [0, 100] of already sorted samples; 0 when empty.
double PercentileOfSorted(std::span<const double> sorted, double q);

// Two-sided 95 % Student t quantile for `degrees_of_freedom` >= 1.
double StudentT95(int64_t degrees_of_freedom);

}  // namespace benchd::common
