#include "agents/core/repeat_statistics.h"

#include <gtest/gtest.h>

namespace benchd::agent {
namespace {

TEST(RepeatStatisticsTest, RelativeHalfWidthIsStudentTOverTheRepeatMeans) {
  // Means 1004 and 996: sd 5.657, t(0.975, 1) = 12.706.
  EXPECT_NEAR(*RelativeCiHalfWidth({1004, 996}), 12.7062047 * 5.6568542 / std::sqrt(2.0) / 1000, 1e-9);
  // Four means 1004, 996, 1002, 998: sd 3.6515, t(0.975, 3) = 3.1824.
  EXPECT_NEAR(*RelativeCiHalfWidth({1004, 996, 1002, 998}), 3.1824463 * 3.6514837 / 2 / 1000, 1e-9);
  EXPECT_FALSE(RelativeCiHalfWidth({1000}).has_value());
  EXPECT_FALSE(RelativeCiHalfWidth({0, 0}).has_value());
}

TEST(RepeatStatisticsTest, AdaptiveRepeatsStopOnlyWithinTheTargetAndAfterTheMinimum) {
  const std::vector<double> means = {1004, 996, 1002, 998};
  EXPECT_FALSE(CiTargetReached({means.begin(), means.begin() + 2}, 0.01, 2));  // 5.1 %
  EXPECT_FALSE(CiTargetReached({means.begin(), means.begin() + 3}, 0.01, 2));  // 1.03 %
  EXPECT_TRUE(CiTargetReached(means, 0.01, 2));                                 // 0.58 %
  EXPECT_FALSE(CiTargetReached(means, 0.01, 5));                                // the minimum first
  EXPECT_FALSE(CiTargetReached({1000}, 0.5, 1));                                // never on one repeat
  EXPECT_TRUE(CiTargetReached({1000, 1000}, 0.01, 1));
}

TEST(RepeatStatisticsTest, WarnsWhenRepeatsDisagreeOrDrift) {
  EXPECT_TRUE(RepeatWarnings({1000, 1010, 995}).empty());
  EXPECT_TRUE(RepeatWarnings({1000}).empty());

  const std::vector<std::string> spread = RepeatWarnings({1000, 1200, 900, 1100});
  ASSERT_EQ(spread.size(), 1u);
  EXPECT_NE(spread[0].find("repeats disagree: the coefficient of variation of the 4 repeat means is 12.3 %"),
            std::string::npos)
      << spread[0];

  const std::vector<std::string> drift = RepeatWarnings({1000, 1030, 1060});
  ASSERT_EQ(drift.size(), 1u);
  EXPECT_NE(drift[0].find("latency drifts: the repeat means rise steadily from 1000.0 us to 1060.0 us (+6.0 %)"),
            std::string::npos)
      << drift[0];
  // Not monotonic: spread may warn, drift does not.
  for (const std::string& warning : RepeatWarnings({1000, 1100, 1000, 1100})) {
    EXPECT_EQ(warning.find("drifts"), std::string::npos);
  }
}

TEST(RepeatStatisticsTest, PerRepeatStatsSkipRepeatsWithoutSamples) {
  std::vector<RepeatSamples> repeats(3);
  repeats[0].latency_us = {1, 2, 3};
  repeats[2].latency_us = {10, 20};
  const auto stats = PerRepeatStats(repeats);
  ASSERT_EQ(stats.size(), 2u);
  EXPECT_DOUBLE_EQ(stats[0].mean_us(), 2);
  EXPECT_DOUBLE_EQ(stats[1].mean_us(), 15);
}

RunResult OneRepeat(std::vector<double> samples, double fps, double metric) {
  RunResult result;
  RepeatSamples repeat;
  repeat.latency_us = std::move(samples);
  result.summary.set_fps(fps);
  result.summary.set_inferences(static_cast<int64_t>(repeat.latency_us.size()));
  benchd::v1::Metric* extra = result.summary.add_extra();
  extra->set_name("power_w");
  extra->set_value(metric);
  extra->set_unit("W");
  result.phases = {PhaseMark{power::Phase::kMeasure, 10}, PhaseMark{power::Phase::kEnd, 20}};
  result.repeats.push_back(std::move(repeat));
  (*result.environment.mutable_entries())["tool_version"] = "1";
  return result;
}

TEST(RepeatStatisticsTest, CombinesSeparatelyMadeRepeats) {
  std::vector<RunResult> results;
  results.push_back(OneRepeat({1, 3}, 100, 2));
  results.push_back(OneRepeat({5, 7}, 200, 4));
  const RunResult combined = CombineRepeats(std::move(results));
  ASSERT_EQ(combined.repeats.size(), 2u);
  EXPECT_EQ(combined.repeats[0].repeat, 0);
  EXPECT_EQ(combined.repeats[1].repeat, 1);
  EXPECT_EQ(combined.summary.latency().count(), 4);
  EXPECT_DOUBLE_EQ(combined.summary.latency().mean_us(), 4);
  EXPECT_DOUBLE_EQ(combined.summary.fps(), 150);
  EXPECT_EQ(combined.summary.inferences(), 4);
  ASSERT_EQ(combined.summary.extra_size(), 1);
  EXPECT_DOUBLE_EQ(combined.summary.extra(0).value(), 3);
  EXPECT_EQ(combined.phases.size(), 4u);
  EXPECT_EQ(combined.environment.entries().at("tool_version"), "1");
}

TEST(RepeatStatisticsTest, CombinesFiguresOfToolsWithoutSamplesByCount) {
  std::vector<RunResult> results(2);
  results[0].summary.mutable_latency()->set_count(100);
  results[0].summary.mutable_latency()->set_mean_us(10);
  results[0].summary.mutable_latency()->set_min_us(8);
  results[0].summary.mutable_latency()->set_max_us(12);
  results[1].summary.mutable_latency()->set_count(300);
  results[1].summary.mutable_latency()->set_mean_us(14);
  results[1].summary.mutable_latency()->set_min_us(9);
  results[1].summary.mutable_latency()->set_max_us(20);
  const RunResult combined = CombineRepeats(std::move(results));
  EXPECT_EQ(combined.summary.latency().count(), 400);
  EXPECT_DOUBLE_EQ(combined.summary.latency().mean_us(), 13);
  EXPECT_DOUBLE_EQ(combined.summary.latency().min_us(), 8);
  EXPECT_DOUBLE_EQ(combined.summary.latency().max_us(), 20);
  // The interval over the two repeat means, 10 and 14, around the weighted mean.
  const double half = 12.7062047 * std::sqrt(8.0) / std::sqrt(2.0);
  EXPECT_NEAR(combined.summary.latency().ci95_high_us() - 13, half, 1e-6);
  // Neither tool printed percentiles, a spread or throughputs: they stay
  // absent rather than averaging to 0.
  EXPECT_FALSE(combined.summary.latency().has_median_us());
  EXPECT_FALSE(combined.summary.latency().has_p99_us());
  EXPECT_FALSE(combined.summary.latency().has_std_us());
  EXPECT_FALSE(combined.summary.has_fps());
  EXPECT_FALSE(combined.summary.has_gops());
}

TEST(RepeatStatisticsTest, AFigureOneRepeatLacksIsAbsentFromTheCombination) {
  std::vector<RunResult> results(2);
  for (RunResult& result : results) {
    result.summary.mutable_latency()->set_count(10);
    result.summary.mutable_latency()->set_mean_us(10);
    result.summary.mutable_latency()->set_median_us(9);
    result.summary.set_fps(100);
  }
  results[0].summary.mutable_latency()->set_p99_us(15);
  results[0].summary.mutable_latency()->set_min_us(7);
  results[0].summary.set_gops(2.5);
  const RunResult combined = CombineRepeats(std::move(results));
  EXPECT_DOUBLE_EQ(combined.summary.latency().median_us(), 9);
  EXPECT_DOUBLE_EQ(combined.summary.fps(), 100);
  EXPECT_FALSE(combined.summary.latency().has_p99_us());
  EXPECT_FALSE(combined.summary.latency().has_min_us());
  EXPECT_FALSE(combined.summary.has_gops());
}

}  // namespace
}  // namespace benchd::agent
