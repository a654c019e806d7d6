#include "common/statistics.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <vector>

namespace benchd::common {
namespace {

// Two-sided 95 % quantiles t(0.975, df) for df = 1..30, to 7 decimals. Below
// 30 degrees of freedom the asymptotic expansion used beyond the table is off
// by more than 1e-7 (by 1.4 at df = 1), so small runs, the common case with
// repeats, get exact values.
constexpr std::array<double, 30> kStudentT95Table = {
    12.7062047, 4.3026527, 3.1824463, 2.7764451, 2.5705818, 2.4469119, 2.3646243, 2.3060041,
    2.2621572,  2.2281389, 2.2009852, 2.1788128, 2.1603687, 2.1447867, 2.1314495, 2.1199053,
    2.1098156,  2.1009220, 2.0930241, 2.0859634, 2.0796138, 2.0738731, 2.0686576, 2.0638986,
    2.0595386,  2.0555294, 2.0518305, 2.0484071, 2.0452296, 2.0422725};

// z(0.975), the limit of t(0.975, df) as df grows.
constexpr double kNormal975 = 1.959963984540054;

}  // namespace

double StudentT95(int64_t degrees_of_freedom) {
  if (degrees_of_freedom < 1) degrees_of_freedom = 1;
  if (degrees_of_freedom <= static_cast<int64_t>(kStudentT95Table.size())) {
    return kStudentT95Table[static_cast<size_t>(degrees_of_freedom - 1)];
  }
  // Cornish-Fisher expansion of the t quantile in powers of 1/df (Abramowitz
  // and Stegun 26.7.5); past df = 30 its error is below 1e-7.
  const double z = kNormal975;
  const double z2 = z * z;
  const double g1 = (z2 + 1) * z / 4;
  const double g2 = ((5 * z2 + 16) * z2 + 3) * z / 96;
  const double g3 = (((3 * z2 + 19) * z2 + 17) * z2 - 15) * z / 384;
  const double g4 = ((((79 * z2 + 776) * z2 + 1482) * z2 - 1920) * z2 - 945) * z / 92160;
  const double v = static_cast<double>(degrees_of_freedom);
  return z + g1 / v + g2 / (v * v) + g3 / (v * v * v) + g4 / (v * v * v * v);
}

double PercentileOfSorted(std::span<const double> sorted, double q) {
  if (sorted.empty()) return 0.0;
  q = std::clamp(q, 0.0, 100.0);
  const double rank = q / 100.0 * static_cast<double>(sorted.size() - 1);
  const size_t lower = static_cast<size_t>(std::floor(rank));
  const size_t upper = std::min(lower + 1, sorted.size() - 1);
  const double fraction = rank - static_cast<double>(lower);
  return sorted[lower] + (sorted[upper] - sorted[lower]) * fraction;
}

benchd::v1::LatencyStats ComputeLatencyStats(std::span<const double> samples_us) {
  benchd::v1::LatencyStats stats;
  if (samples_us.empty()) return stats;

  std::vector<double> sorted(samples_us.begin(), samples_us.end());
  std::sort(sorted.begin(), sorted.end());
  const size_t n = sorted.size();

  // Two passes: the mean first, then squared deviations from it, which keeps
  // the variance accurate when the spread is tiny against the mean.
  double sum = 0.0;
  for (double x : sorted) sum += x;
  const double mean = sum / static_cast<double>(n);
  double squares = 0.0;
  for (double x : sorted) squares += (x - mean) * (x - mean);
  stats.set_count(static_cast<int64_t>(n));
  stats.set_mean_us(mean);
  // One sample has no spread to estimate: std and interval stay absent
  // rather than claiming a certainty of 0.
  if (n > 1) {
    const double std_dev = std::sqrt(squares / static_cast<double>(n - 1));
    const double half_width = StudentT95(static_cast<int64_t>(n - 1)) * std_dev / std::sqrt(static_cast<double>(n));
    stats.set_std_us(std_dev);
    stats.set_ci95_low_us(mean - half_width);
    stats.set_ci95_high_us(mean + half_width);
  }
  stats.set_min_us(sorted.front());
  stats.set_max_us(sorted.back());
  stats.set_median_us(PercentileOfSorted(sorted, 50));
  stats.set_p90_us(PercentileOfSorted(sorted, 90));
  stats.set_p95_us(PercentileOfSorted(sorted, 95));
  stats.set_p99_us(PercentileOfSorted(sorted, 99));
  return stats;
}

}  // namespace benchd::common
