#include "agents/parsers/benchmark_model_parser.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/unit/drivers_gpu/golden.h"

namespace benchd::agent {
namespace {

using ::testing::HasSubstr;
using testing::ReadGolden;

TEST(BenchmarkModelParserTest, ParsesEdgeTpuRunWithPercentiles) {
  absl::StatusOr<BenchmarkModelOutput> out = ParseBenchmarkModelOutput(ReadGolden("benchmark_model/edgetpu_tf2.log"));
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_FALSE(out->legacy_summary);
  EXPECT_TRUE(out->delegate_created);
  EXPECT_TRUE(*out->fully_delegated);
  EXPECT_DOUBLE_EQ(*out->model_size_mb, 4.13);
  EXPECT_DOUBLE_EQ(out->init_us, 352140);
  EXPECT_DOUBLE_EQ(*out->first_inference_us, 12841);
  EXPECT_EQ(*out->warmup.count, 148);
  EXPECT_DOUBLE_EQ(*out->warmup.mean_us, 3377.6);
  EXPECT_EQ(out->warmup.scope, LatencyScope::kStartup);
  const LatencyFigures& inference = out->inference;
  EXPECT_EQ(inference.scope, LatencyScope::kRequest);
  EXPECT_EQ(*inference.count, 1000);
  EXPECT_DOUBLE_EQ(*inference.mean_us, 3131.4);
  EXPECT_DOUBLE_EQ(*inference.std_us, 54);
  EXPECT_DOUBLE_EQ(*inference.min_us, 3021);
  EXPECT_DOUBLE_EQ(*inference.max_us, 3455);
  EXPECT_DOUBLE_EQ(*inference.median_us, 3124);
  EXPECT_DOUBLE_EQ(*inference.Percentile(5), 3058);
  EXPECT_DOUBLE_EQ(*inference.Percentile(95), 3230);
}

TEST(BenchmarkModelParserTest, ParsesLegacySummaryAndTakesFirstInferenceFromWarmup) {
  absl::StatusOr<BenchmarkModelOutput> out = ParseBenchmarkModelOutput(ReadGolden("benchmark_model/legacy_tf22.log"));
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_TRUE(out->legacy_summary);
  EXPECT_DOUBLE_EQ(out->init_us, 8104);
  EXPECT_DOUBLE_EQ(*out->first_inference_us, 19561);
  EXPECT_DOUBLE_EQ(*out->inference.mean_us, 5721.05);
  EXPECT_FALSE(out->inference.median_us.has_value());
  EXPECT_EQ(*out->inference.count, 175);
}

TEST(BenchmarkModelParserTest, IdenticalRunsGiveEqualStatistics) {
  absl::StatusOr<BenchmarkModelOutput> out = ParseBenchmarkModelOutput(ReadGolden("benchmark_model/all_same.log"));
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(*out->inference.count, 100);
  EXPECT_DOUBLE_EQ(*out->inference.mean_us, 2570);
  EXPECT_DOUBLE_EQ(*out->inference.min_us, 2570);
  EXPECT_DOUBLE_EQ(*out->inference.max_us, 2570);
  EXPECT_DOUBLE_EQ(*out->inference.std_us, 0);
  EXPECT_EQ(*out->delegated_nodes, 1);
  EXPECT_FALSE(out->total_nodes.has_value());
}

TEST(BenchmarkModelParserTest, ReportsPartialDelegation) {
  absl::StatusOr<BenchmarkModelOutput> out =
      ParseBenchmarkModelOutput(ReadGolden("benchmark_model/partial_delegation.log"));
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_FALSE(*out->fully_delegated);
  EXPECT_EQ(*out->delegated_nodes, 3);
  EXPECT_EQ(*out->total_nodes, 5);
}

void ExpectDataLoss(const std::string& file, const std::string& message) {
  absl::StatusOr<BenchmarkModelOutput> out = ParseBenchmarkModelOutput(ReadGolden(file));
  ASSERT_FALSE(out.ok()) << file;
  EXPECT_EQ(out.status().code(), absl::StatusCode::kDataLoss) << file;
  EXPECT_THAT(std::string(out.status().message()), HasSubstr(message)) << file;
}

TEST(BenchmarkModelParserTest, BrokenOutputsFailWithLine) {
  ExpectDataLoss("benchmark_model/truncated.log", "truncated output: no count= line of the measured runs");
  ExpectDataLoss("benchmark_model/reordered.log", "line 18: count= line after the timings summary");
  ExpectDataLoss("benchmark_model/swapped_phases.log", "line 18: the summary's averages do not match");
  ExpectDataLoss("benchmark_model/bad_number.log", "line 17: parse number: bad value 'fifty'");
  ExpectDataLoss("benchmark_model/garbage.log", "line 3: binary data in the output");
  ExpectDataLoss("benchmark_model/delegate_error.log",
                 "the tool said: Failed to load delegate from libedgetpu.so.1");
  EXPECT_THAT(std::string(ParseBenchmarkModelOutput("count=1 curr=5\ncount=1 curr=5\ncount=1 curr=5\n")
                              .status()
                              .message()),
              HasSubstr("line 3: a third count= line"));
}

}  // namespace
}  // namespace benchd::agent
