#include "agents/parsers/finn_metrics_parser.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/unit/drivers_fpga/golden.h"

namespace benchd::agent {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;
using testing::ReadGolden;

absl::StatusOr<FinnMetrics> Parse(const std::string& golden) { return ParseFinnMetrics(ReadGolden("finn", golden)); }

void ExpectDataLoss(const std::string& golden, const std::string& fragment) {
  absl::StatusOr<FinnMetrics> result = Parse(golden);
  ASSERT_FALSE(result.ok()) << golden;
  EXPECT_EQ(result.status().code(), absl::StatusCode::kDataLoss) << result.status();
  EXPECT_THAT(std::string(result.status().message()), HasSubstr(fragment)) << golden;
}

TEST(FinnMetricsParserTest, ParsesCurrentKeysAndNormalisesToMicroseconds) {
  absl::StatusOr<FinnMetrics> metrics = Parse("nw_metrics_current.txt");
  ASSERT_TRUE(metrics.ok()) << metrics.status();
  EXPECT_EQ(metrics->key_style, FinnMetrics::KeyStyle::kCurrent);
  EXPECT_DOUBLE_EQ(*metrics->runtime.mean_us, 327521.8200683594);
  EXPECT_EQ(metrics->runtime.scope, LatencyScope::kCompute);
  EXPECT_EQ(metrics->runtime.name, "runtime[ms]");
  EXPECT_EQ(metrics->batch_size, 1000);
  EXPECT_DOUBLE_EQ(metrics->throughput_items_per_s, 3053.2316893918182);
  EXPECT_DOUBLE_EQ(*metrics->fclk_mhz, 100.0);
  EXPECT_DOUBLE_EQ(*metrics->dram_in_mb_s, 9.379527749811665);
  EXPECT_DOUBLE_EQ(*metrics->dram_out_mb_s, 0.003053231689391818);
  EXPECT_DOUBLE_EQ(metrics->host_us.at("copy_input_data_to_device"), 2912.5213623046875);
  EXPECT_DOUBLE_EQ(metrics->host_us.at("unfold_output"), 28.133392333984375);
  EXPECT_EQ(metrics->host_us.size(), 6u);
  EXPECT_TRUE(metrics->other.empty());
  EXPECT_TRUE(metrics->dram_extw_mb_s.empty());
}

TEST(FinnMetricsParserTest, ParsesLegacyKeysAsMegabytesAndN) {
  absl::StatusOr<FinnMetrics> metrics = Parse("nw_metrics_legacy.txt");
  ASSERT_TRUE(metrics.ok()) << metrics.status();
  EXPECT_EQ(metrics->key_style, FinnMetrics::KeyStyle::kLegacy);
  EXPECT_EQ(metrics->batch_size, 8);
  EXPECT_DOUBLE_EQ(*metrics->runtime.mean_us, 2145.7672119140625);
  EXPECT_DOUBLE_EQ(*metrics->dram_in_mb_s, 2.922963854222222);
  EXPECT_TRUE(metrics->host_us.empty());
}

TEST(FinnMetricsParserTest, StripsNumpyScalarReprs) {
  absl::StatusOr<FinnMetrics> metrics = Parse("nw_metrics_numpy2.txt");
  ASSERT_TRUE(metrics.ok()) << metrics.status();
  EXPECT_DOUBLE_EQ(*metrics->dram_in_mb_s, 2.922963854222222);
  EXPECT_DOUBLE_EQ(*metrics->dram_out_mb_s, 0.003728270222222222);
  EXPECT_EQ(metrics->batch_size, 8);
}

TEST(FinnMetricsParserTest, ReadsExternalWeightBandwidthsByDmaName) {
  absl::StatusOr<FinnMetrics> metrics = Parse("nw_metrics_extw.txt");
  ASSERT_TRUE(metrics.ok()) << metrics.status();
  EXPECT_THAT(metrics->dram_extw_mb_s, ElementsAre(Pair("idma1", 73.30077518506667)));
}

TEST(FinnMetricsParserTest, KeyOrderDoesNotMatter) {
  absl::StatusOr<FinnMetrics> reordered = Parse("nw_metrics_reordered.txt");
  absl::StatusOr<FinnMetrics> current = Parse("nw_metrics_current.txt");
  ASSERT_TRUE(reordered.ok()) << reordered.status();
  EXPECT_DOUBLE_EQ(*reordered->runtime.mean_us, *current->runtime.mean_us);
  EXPECT_EQ(reordered->batch_size, current->batch_size);
  EXPECT_EQ(reordered->host_us, current->host_us);
}

TEST(FinnMetricsParserTest, KeepsUnknownNumericKeys) {
  absl::StatusOr<FinnMetrics> metrics = ParseFinnMetrics(
      "{'runtime[ms]': 2.0, 'throughput[images/s]': 500.0, 'batch_size': 1, \"temperature[C]\": 51}");
  ASSERT_TRUE(metrics.ok()) << metrics.status();
  EXPECT_THAT(metrics->other, ElementsAre(Pair("temperature[C]", 51)));
}

TEST(FinnMetricsParserTest, DamagedFilesAreDataLossWithThePosition) {
  ExpectDataLoss("nw_metrics_truncated.txt", "line 1, column 185: unterminated key");
  ExpectDataLoss("nw_metrics_garbage.txt", "line 1, column 1: expected '{' starting the metrics dict");
  ExpectDataLoss("nw_metrics_string_value.txt", "line 2, column 32: expected a number (value of 'fclk[mhz]')");
  ExpectDataLoss("nw_metrics_inconsistent.txt", "disagrees with batch 1000");
  ExpectDataLoss("nw_metrics_missing_runtime.txt", "no 'runtime[ms]'");
  ExpectDataLoss("nw_metrics_fractional_batch.txt", "batch size must be a positive integer");
  EXPECT_THAT(std::string(ParseFinnMetrics("").status().message()), HasSubstr("empty file"));
  EXPECT_THAT(std::string(ParseFinnMetrics("{'runtime[ms]': \x01\xfe\xff}").status().message()),
              HasSubstr("line 1: binary garbage, not a metrics dict"));
  EXPECT_THAT(std::string(ParseFinnMetrics("{'runtime[ms]': 1, 'runtime[ms]': 2}").status().message()),
              HasSubstr("key 'runtime[ms]' given twice"));
  EXPECT_THAT(std::string(ParseFinnMetrics("{'runtime[ms]': nan}").status().message()),
              HasSubstr("expected a finite number, found 'nan'"));
  EXPECT_THAT(std::string(ParseFinnMetrics("{} trailing").status().message()),
              HasSubstr("column 4: unexpected text after the metrics dict"));
}

TEST(FinnProbeParserTest, ReadsPythonAndPynqVersions) {
  absl::StatusOr<FinnRuntimeInfo> info = ParseFinnProbe(ReadGolden("finn", "probe.txt"));
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->python_version, "3.10.4");
  EXPECT_EQ(info->pynq_version, "3.0.1");
  absl::StatusOr<FinnRuntimeInfo> missing = ParseFinnProbe("ModuleNotFoundError: No module named 'pynq'\n");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace benchd::agent
