#include "agents/parsers/vitis_perf_parser.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/unit/drivers_fpga/golden.h"

namespace benchd::agent {
namespace {

using ::testing::HasSubstr;
using testing::ReadGolden;

absl::StatusOr<VitisPerformance> Parse(const std::string& golden) {
  return ParseVitisPerformance(ReadGolden("vitis_dpu", golden));
}

void ExpectDataLoss(const std::string& golden, const std::string& fragment) {
  absl::StatusOr<VitisPerformance> result = Parse(golden);
  ASSERT_FALSE(result.ok()) << golden;
  EXPECT_EQ(result.status().code(), absl::StatusCode::kDataLoss) << result.status();
  EXPECT_THAT(std::string(result.status().message()), HasSubstr(fragment)) << golden;
}

TEST(VitisPerfParserTest, ParsesOneThreadReportAfterGlogLines) {
  absl::StatusOr<VitisPerformance> result = Parse("test_performance_1t.log");
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_DOUBLE_EQ(result->fps, 56.2114);
  ASSERT_TRUE(result->e2e_mean.has_value());
  EXPECT_DOUBLE_EQ(*result->e2e_mean->mean_us, 17780.4);
  EXPECT_EQ(result->e2e_mean->scope, LatencyScope::kRequest);
  EXPECT_EQ(KindOf(result->e2e_mean->scope), benchd::v1::LATENCY_KIND_SYSTEM);
  ASSERT_TRUE(result->dpu_mean.has_value());
  EXPECT_DOUBLE_EQ(*result->dpu_mean->mean_us, 14816.8);
  EXPECT_EQ(result->dpu_mean->scope, LatencyScope::kCompute);
}

TEST(VitisPerfParserTest, MultiThreadReportOfNewReleasesHasOnlyFps) {
  absl::StatusOr<VitisPerformance> result = Parse("test_performance_4t_fps_only.log");
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_DOUBLE_EQ(result->fps, 161.764);
  EXPECT_FALSE(result->e2e_mean.has_value());
  EXPECT_FALSE(result->dpu_mean.has_value());
}

TEST(VitisPerfParserTest, MultiThreadReportOfOneXReleasesHasMeans) {
  absl::StatusOr<VitisPerformance> result = Parse("test_performance_1x_4t.log");
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_DOUBLE_EQ(result->fps, 216.327);
  EXPECT_DOUBLE_EQ(result->e2e_mean->mean_us.value(), 18394.5);
  EXPECT_DOUBLE_EQ(result->dpu_mean->mean_us.value(), 15711.6);
}

TEST(VitisPerfParserTest, OrderAndBlankLinesDoNotMatter) {
  absl::StatusOr<VitisPerformance> result = Parse("reordered.txt");
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_DOUBLE_EQ(result->fps, 95.8214);
  EXPECT_DOUBLE_EQ(result->e2e_mean->mean_us.value(), 10432.1);
  EXPECT_DOUBLE_EQ(result->dpu_mean->mean_us.value(), 9876.54);
}

TEST(VitisPerfParserTest, StepProgressLinesAreNotTheResult) {
  absl::StatusOr<VitisPerformance> result = Parse("step_lines.log");
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_DOUBLE_EQ(result->fps, 386.133);
}

TEST(VitisPerfParserTest, DamagedReportsAreDataLossWithTheLine) {
  ExpectDataLoss("truncated.log", "no FPS= line");
  ExpectDataLoss("garbage.log", "line 3: unexpected line 'Segmentation fault (core dumped)'");
  ExpectDataLoss("malformed_number.log", "line 2: E2E_MEAN: parse number: bad value '10432.1ms'");
  ExpectDataLoss("duplicate_fps.log", "line 3: FPS given twice");
  ExpectDataLoss("zero_fps.log", "line 1: FPS must be positive");
  ExpectDataLoss("binary_garbage.log", "line 2: binary garbage, not a report");
  EXPECT_EQ(ParseVitisPerformance("").status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(ParseVitisPerformance("FPS=1\nDPU_MEAN=-3\n").status().message()),
              HasSubstr("line 2: DPU_MEAN must not be negative"));
}

TEST(XdputilQueryParserTest, ReadsArchFrequencyCoresAndVersions) {
  absl::StatusOr<XdputilInfo> info = ParseXdputilQuery(ReadGolden("vitis_dpu", "xdputil_query_zcu102.json"));
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->dpu_arch, "DPUCZDX8G_ISA1_B4096");
  EXPECT_DOUBLE_EQ(info->dpu_frequency_mhz, 281);
  EXPECT_EQ(info->dpu_cores, 3);
  EXPECT_EQ(info->ip_version, "v3.4.0");
  EXPECT_EQ(info->vitis_ai_version, "2.5.0");
  EXPECT_EQ(info->vart_version,
            "Xilinx vart-runner Version: 2.5.0-d02dcb6041663dbc7ecbc0c6af9fafa087a789de  2022-07-20-17:13:58");
}

TEST(XdputilQueryParserTest, SkipsGlogLinesAndKernelsThatAreNoDpu) {
  absl::StatusOr<XdputilInfo> info =
      ParseXdputilQuery(ReadGolden("vitis_dpu", "xdputil_query_with_pp_kernel.log"));
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->dpu_arch, "DPUCZDX8G_ISA1_B3136");
  EXPECT_EQ(info->dpu_cores, 1);
  EXPECT_DOUBLE_EQ(info->dpu_frequency_mhz, 300);
}

TEST(XdputilQueryParserTest, MalformedOutputIsDataLoss) {
  absl::StatusOr<XdputilInfo> truncated = ParseXdputilQuery(ReadGolden("vitis_dpu", "xdputil_query_truncated.json"));
  EXPECT_EQ(truncated.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(truncated.status().message()), HasSubstr("malformed JSON"));
  EXPECT_THAT(std::string(ParseXdputilQuery("xdputil: command not found").status().message()),
              HasSubstr("no JSON object"));
  EXPECT_THAT(std::string(ParseXdputilQuery("{\"kernels\": []}").status().message()), HasSubstr("no DPU core"));
}

}  // namespace
}  // namespace benchd::agent
