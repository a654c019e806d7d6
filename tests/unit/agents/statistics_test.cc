#include "common/statistics.h"

#include <vector>

#include "gtest/gtest.h"

namespace benchd::common {
namespace {

// Expected figures were computed independently with Python's `statistics`
// module (stdev, median, quantiles(method="inclusive"), numpy's default rule)
// and Student t quantiles from a textbook table.

TEST(StatisticsTest, EmptyInputHasNoFigures) {
  const benchd::v1::LatencyStats stats = ComputeLatencyStats({});
  EXPECT_EQ(stats.count(), 0);
  EXPECT_FALSE(stats.has_mean_us());
  EXPECT_FALSE(stats.has_p99_us());
  EXPECT_FALSE(stats.has_ci95_high_us());
}

TEST(StatisticsTest, SingleSampleHasNoSpreadOrInterval) {
  const std::vector<double> samples = {42.5};
  const benchd::v1::LatencyStats stats = ComputeLatencyStats(samples);
  EXPECT_EQ(stats.count(), 1);
  EXPECT_DOUBLE_EQ(stats.mean_us(), 42.5);
  EXPECT_DOUBLE_EQ(stats.median_us(), 42.5);
  EXPECT_DOUBLE_EQ(stats.p99_us(), 42.5);
  // Python's statistics.stdev refuses one value too.
  EXPECT_FALSE(stats.has_std_us());
  EXPECT_FALSE(stats.has_ci95_low_us());
  EXPECT_FALSE(stats.has_ci95_high_us());
}

TEST(StatisticsTest, MatchesPythonOnOneToTen) {
  // Given out of order: the function must sort.
  const std::vector<double> samples = {7, 1, 10, 3, 5, 2, 9, 4, 8, 6};
  const benchd::v1::LatencyStats stats = ComputeLatencyStats(samples);
  EXPECT_EQ(stats.count(), 10);
  EXPECT_DOUBLE_EQ(stats.mean_us(), 5.5);
  EXPECT_NEAR(stats.std_us(), 3.0276503540974917, 1e-12);
  EXPECT_DOUBLE_EQ(stats.min_us(), 1);
  EXPECT_DOUBLE_EQ(stats.max_us(), 10);
  EXPECT_NEAR(stats.median_us(), 5.5, 1e-12);
  EXPECT_NEAR(stats.p90_us(), 9.1, 1e-12);
  EXPECT_NEAR(stats.p95_us(), 9.55, 1e-12);
  EXPECT_NEAR(stats.p99_us(), 9.91, 1e-12);
  // t(0.975, 9) = 2.262157; half width = t * std / sqrt(10).
  EXPECT_NEAR(stats.ci95_low_us(), 5.5 - 2.165850625286176, 1e-6);
  EXPECT_NEAR(stats.ci95_high_us(), 5.5 + 2.165850625286176, 1e-6);
}

TEST(StatisticsTest, MatchesPythonOnSkewedLatencies) {
  const std::vector<double> samples = {812.5, 790.25, 1033.0, 801.75, 799.5, 2204.0, 805.0};
  const benchd::v1::LatencyStats stats = ComputeLatencyStats(samples);
  EXPECT_NEAR(stats.mean_us(), 1035.142857142857, 1e-9);
  EXPECT_NEAR(stats.std_us(), 522.6119468820145, 1e-9);
  EXPECT_NEAR(stats.median_us(), 805.0, 1e-12);
  EXPECT_NEAR(stats.p90_us(), 1501.4, 1e-9);
  EXPECT_NEAR(stats.p95_us(), 1852.7, 1e-9);
  EXPECT_NEAR(stats.p99_us(), 2133.74, 1e-9);
  EXPECT_NEAR(stats.ci95_high_us() - stats.mean_us(), 483.3354467443181, 1e-4);
  EXPECT_NEAR(stats.mean_us() - stats.ci95_low_us(), 483.3354467443181, 1e-4);
}

TEST(StatisticsTest, VarianceStaysAccurateWithLargeOffset) {
  // A naive sum-of-squares formula loses every digit here.
  const std::vector<double> samples = {1e9 + 4, 1e9 + 7, 1e9 + 13, 1e9 + 16};
  const benchd::v1::LatencyStats stats = ComputeLatencyStats(samples);
  EXPECT_NEAR(stats.std_us(), 5.477225575051661, 1e-6);  // stdev([4, 7, 13, 16])
}

TEST(StatisticsTest, PercentileOfSortedInterpolatesLinearly) {
  const std::vector<double> sorted = {10, 20, 30, 40};
  EXPECT_DOUBLE_EQ(PercentileOfSorted(sorted, 0), 10);
  EXPECT_DOUBLE_EQ(PercentileOfSorted(sorted, 100), 40);
  EXPECT_DOUBLE_EQ(PercentileOfSorted(sorted, 50), 25);
  EXPECT_NEAR(PercentileOfSorted(sorted, 25), 17.5, 1e-12);
  EXPECT_DOUBLE_EQ(PercentileOfSorted({}, 50), 0);
}

TEST(StatisticsTest, StudentTMatchesTextbookTable) {
  struct Row {
    int64_t df;
    double t;
  };
  // Two-sided 95 % critical values as printed in statistics textbooks.
  const std::vector<Row> table = {{1, 12.706}, {2, 4.303},  {3, 3.182},  {4, 2.776},
                                  {5, 2.571},  {10, 2.228}, {20, 2.086}, {29, 2.045},
                                  {30, 2.042}, {40, 2.021}, {60, 2.000}, {120, 1.980}};
  for (const Row& row : table) {
    EXPECT_NEAR(StudentT95(row.df), row.t, 5e-4) << "df=" << row.df;
  }
  EXPECT_NEAR(StudentT95(1'000'000), 1.959964, 1e-5);
}

TEST(StatisticsTest, StudentTDecreasesSmoothlyAcrossTableEdge) {
  double previous = StudentT95(1);
  for (int64_t df = 2; df <= 5000; ++df) {
    const double t = StudentT95(df);
    ASSERT_LT(t, previous) << "df=" << df;
    ASSERT_GT(t, 1.959963) << "df=" << df;
    previous = t;
  }
  // Values from numerically inverting the t CDF, just past the table.
  EXPECT_NEAR(StudentT95(31), 2.0395134, 1e-6);
  EXPECT_NEAR(StudentT95(50), 2.0085591, 1e-6);
}

}  // namespace
}  // namespace benchd::common
