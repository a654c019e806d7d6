#include "agents/parsers/bismo_parser.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/unit/drivers_fpga/golden.h"

namespace benchd::agent {
namespace {

using ::testing::HasSubstr;
using testing::ReadGolden;

absl::StatusOr<BismoReport> Parse(const std::string& golden) { return ParseBismoOutput(ReadGolden("bismo", golden)); }

void ExpectError(const std::string& golden, absl::StatusCode code, const std::string& fragment) {
  absl::StatusOr<BismoReport> result = Parse(golden);
  ASSERT_FALSE(result.ok()) << golden;
  EXPECT_EQ(result.status().code(), code) << result.status();
  EXPECT_THAT(std::string(result.status().message()), HasSubstr(fragment)) << golden;
}

TEST(BismoParserTest, ParsesOneLinePerMultiplyWithCyclesAsMicroseconds) {
  absl::StatusOr<BismoReport> report = Parse("instrumentation_batch.txt");
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->format, BismoReport::Format::kInstrumentation);
  ASSERT_EQ(report->matmuls.size(), 4u);
  const BismoMatMul& first = report->matmuls[0];
  EXPECT_DOUBLE_EQ(first.run_cycles, 9000);
  EXPECT_DOUBLE_EQ(first.fclk_mhz, 200);
  EXPECT_DOUBLE_EQ(first.compute_us, 45);  // 9000 cycles at 200 MHz
  EXPECT_DOUBLE_EQ(first.values.at("workload_actual_binops"), 1.28451e+07);
  EXPECT_DOUBLE_EQ(first.values.at("hw_peak_perf_binops"), 6553.6);
  EXPECT_TRUE(first.values.count("run_eff%_exec"));
  EXPECT_EQ(first.values.size(), 43u);
  // The eight mat_*_us figures of the first line, as printed.
  EXPECT_NEAR(first.host_us, 1149.11, 0.01);
  EXPECT_DOUBLE_EQ(report->matmuls[3].compute_us, 12);
}

TEST(BismoParserTest, InteractiveModePromptsAndRepeatedHeadersAreAccepted) {
  absl::StatusOr<BismoReport> report = Parse("instrumentation_interactive.txt");
  ASSERT_TRUE(report.ok()) << report.status();
  ASSERT_EQ(report->matmuls.size(), 2u);
  EXPECT_DOUBLE_EQ(report->matmuls[1].run_cycles, 6000);
}

TEST(BismoParserTest, ParsesLegacySummaryBlocks) {
  absl::StatusOr<BismoReport> report = Parse("legacy_summary.txt");
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->format, BismoReport::Format::kLegacySummary);
  ASSERT_EQ(report->matmuls.size(), 2u);
  EXPECT_DOUBLE_EQ(report->matmuls[0].run_cycles, 45213);
  EXPECT_DOUBLE_EQ(report->matmuls[0].compute_us, 226.065);  // the ns figure, not cycles / fclk rounded
  EXPECT_DOUBLE_EQ(report->matmuls[0].values.at("run_achieved_binops"), 593.7);
  EXPECT_DOUBLE_EQ(report->matmuls[0].values.at("workload_total_binops"), 1.34218e+08);
  EXPECT_DOUBLE_EQ(report->matmuls[1].compute_us, 150.6);
  EXPECT_DOUBLE_EQ(report->matmuls[1].host_us, 0);
}

TEST(BismoParserTest, VerboseBuildsCountEachMultiplyOnce) {
  absl::StatusOr<BismoReport> report = Parse("verbose_both.txt");
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->format, BismoReport::Format::kInstrumentation);
  ASSERT_EQ(report->matmuls.size(), 1u);
  EXPECT_DOUBLE_EQ(report->matmuls[0].run_cycles, 9000);
}

TEST(BismoParserTest, RuntimeLibraryExceptionIsAMeasurementFailure) {
  ExpectError("exception.txt", absl::StatusCode::kFailedPrecondition,
              "line 3: the runtime library reported 'Exception: LHS is too large");
}

TEST(BismoParserTest, DamagedOutputIsDataLossWithTheLine) {
  ExpectError("truncated_line.txt", absl::StatusCode::kDataLoss, "line 4: ");
  ExpectError("truncated_line.txt", absl::StatusCode::kDataLoss, "values for 43 keys (truncated line?)");
  ExpectError("header_only.txt", absl::StatusCode::kDataLoss, "header line 1 but no values");
  ExpectError("bad_number.txt", absl::StatusCode::kDataLoss, "line 3: hw_fclk_mhz: parse number: bad value '2e+0x5'");
  ExpectError("values_before_header.txt", absl::StatusCode::kDataLoss, "line 1: values before the header line");
  ExpectError("garbage.txt", absl::StatusCode::kDataLoss, "line 3: unexpected line '*** Error in `./app'");
  ExpectError("binary_garbage.txt", absl::StatusCode::kDataLoss, "line 3: binary garbage, not a report");
  ExpectError("legacy_truncated.txt", absl::StatusCode::kDataLoss,
              "line 14: truncated: performance summary block never closed");
  EXPECT_THAT(std::string(ParseBismoOutput("").status().message()), HasSubstr("no results"));
  EXPECT_THAT(std::string(ParseBismoOutput("hw_fclk_mhz, run_cycles, \n200, 2, \nrun_cycles, y, \n").status().message()),
              HasSubstr("line 3: header differs from the header on line 1"));
  EXPECT_THAT(std::string(ParseBismoOutput("run_cycles, \n100, \n").status().message()),
              HasSubstr("line 2: a result without run_cycles or hw_fclk_mhz"));
}

}  // namespace
}  // namespace benchd::agent
