#include "agents/parsers/benchmark_app_parser.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/unit/drivers_gpu/golden.h"

namespace benchd::agent {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::ReadGolden;

TEST(BenchmarkAppParserTest, Parses2021AsyncAsQueuedMedian) {
  absl::StatusOr<BenchmarkAppOutput> out = ParseBenchmarkAppOutput(ReadGolden("benchmark_app/ov2021_async.log"));
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->format, BenchmarkAppFormat::k2021);
  EXPECT_EQ(out->openvino_version, "2021.4.2-3974-e2a469a3450-releases/2021/4");
  EXPECT_EQ(out->api, "async");
  EXPECT_EQ(*out->infer_requests, 4);
  EXPECT_EQ(*out->streams, 2);
  EXPECT_DOUBLE_EQ(*out->first_inference_us, 52870);
  EXPECT_EQ(out->count, 1404);
  EXPECT_DOUBLE_EQ(out->duration_us, 60124440);
  EXPECT_DOUBLE_EQ(*out->latency.median_us, 170940);
  EXPECT_FALSE(out->latency.mean_us.has_value());
  EXPECT_EQ(out->latency.scope, LatencyScope::kQueued);
  EXPECT_EQ(*out->latency.count, 1404);
  EXPECT_DOUBLE_EQ(out->throughput_fps, 23.35);
  EXPECT_FALSE(out->throughput_derived);
  EXPECT_EQ(out->warnings.size(), 2u);
}

TEST(BenchmarkAppParserTest, Parses2021SyncAsRequestLatencyWithDerivedThroughput) {
  absl::StatusOr<BenchmarkAppOutput> out = ParseBenchmarkAppOutput(ReadGolden("benchmark_app/ov2021_sync.log"));
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->api, "sync");
  EXPECT_FALSE(out->infer_requests.has_value());
  EXPECT_EQ(out->latency.scope, LatencyScope::kRequest);
  EXPECT_DOUBLE_EQ(*out->latency.median_us, 8870);
  EXPECT_TRUE(out->throughput_derived);
  EXPECT_EQ(out->count, 500);
}

TEST(BenchmarkAppParserTest, Parses2022LatencyBlock) {
  absl::StatusOr<BenchmarkAppOutput> out = ParseBenchmarkAppOutput(ReadGolden("benchmark_app/ov2022_3.log"));
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->format, BenchmarkAppFormat::k2022);
  EXPECT_EQ(out->openvino_version, "2022.3.0-9052-9752fafe8eb-releases/2022/3");
  EXPECT_EQ(out->api, "async");
  EXPECT_EQ(*out->infer_requests, 4);
  EXPECT_FALSE(out->streams.has_value());
  EXPECT_EQ(out->count, 1412);
  EXPECT_DOUBLE_EQ(*out->latency.median_us, 169960);
  EXPECT_DOUBLE_EQ(*out->latency.mean_us, 170410);
  EXPECT_DOUBLE_EQ(*out->latency.min_us, 108730);
  EXPECT_DOUBLE_EQ(*out->latency.max_us, 182550);
  EXPECT_EQ(out->latency.scope, LatencyScope::kQueued);
  EXPECT_DOUBLE_EQ(out->throughput_fps, 23.46);
  EXPECT_FALSE(out->throughput_derived);
}

TEST(BenchmarkAppParserTest, Parses2022TabIndentedPercentileRow) {
  absl::StatusOr<BenchmarkAppOutput> out =
      ParseBenchmarkAppOutput(ReadGolden("benchmark_app/ov2022_1_tab_sync_percentile.log"));
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->openvino_version, "2022.1.0-7019-cdb9bec7210-releases/2022/1");
  EXPECT_EQ(out->api, "sync");
  EXPECT_EQ(out->latency.scope, LatencyScope::kRequest);
  EXPECT_DOUBLE_EQ(*out->latency_percentile, 90);
  EXPECT_DOUBLE_EQ(*out->latency.Percentile(90), 3350);
  EXPECT_FALSE(out->latency.median_us.has_value());
  EXPECT_DOUBLE_EQ(*out->latency.mean_us, 3160);
  EXPECT_DOUBLE_EQ(*out->first_inference_us, 4120);
}

TEST(BenchmarkAppParserTest, AcceptsMicrosecondUnitsAndMixedCase) {
  const std::string text =
      "[Step 10/11] Measuring performance (Start inference synchronously, limits: 10 iterations)\n"
      "[ INFO ] COUNT:  10 iterations\n[ INFO ] duration: 5.5 ms\n[ INFO ] Latency:\n"
      "[ INFO ]    Median:  540.25 us\n[ INFO ]    Average: 550 us\n[ INFO ] Throughput: 1818.18 fps\n";
  absl::StatusOr<BenchmarkAppOutput> out = ParseBenchmarkAppOutput(text);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_DOUBLE_EQ(*out->latency.median_us, 540.25);
  EXPECT_DOUBLE_EQ(out->duration_us, 5500);
}

void ExpectDataLoss(const std::string& file, const std::string& message) {
  absl::StatusOr<BenchmarkAppOutput> out = ParseBenchmarkAppOutput(ReadGolden(file));
  ASSERT_FALSE(out.ok()) << file;
  EXPECT_EQ(out.status().code(), absl::StatusCode::kDataLoss) << file;
  EXPECT_THAT(std::string(out.status().message()), HasSubstr(message)) << file;
}

TEST(BenchmarkAppParserTest, BrokenOutputsFailWithLine) {
  ExpectDataLoss("benchmark_app/truncated.log", "truncated output: no 'Count:' line");
  ExpectDataLoss("benchmark_app/reordered.log", "line 31: 'median:' outside the Latency block");
  ExpectDataLoss("benchmark_app/bad_number.log", "line 35: parse number: bad value '170.4.1'");
  ExpectDataLoss("benchmark_app/garbage.log", "line 3: binary data in the output");
  ExpectDataLoss("benchmark_app/error_no_device.log",
                 "no 'Count:' line; the tool said: Can not init Myriad device: NC_ERROR");
  EXPECT_THAT(std::string(ParseBenchmarkAppOutput("Count: 3 iterations\nCount: 3 iterations\n").status().message()),
              HasSubstr("line 2: 'Count:' given twice"));
}

TEST(BenchmarkAppParserTest, ListsAvailableDevicesFromHelp) {
  absl::StatusOr<std::vector<std::string>> devices = ParseBenchmarkAppDevices(ReadGolden("benchmark_app/help_2022.txt"));
  ASSERT_TRUE(devices.ok()) << devices.status();
  EXPECT_THAT(*devices, ElementsAre("CPU", "GNA", "MYRIAD"));
  EXPECT_EQ(ParseBenchmarkAppDevices("usage\n").status().code(), absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace benchd::agent
