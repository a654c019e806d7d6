#include "agents/parsers/tflm_output_parser.h"

#include <fstream>
#include <sstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace benchd::agent {
namespace {

using ::testing::HasSubstr;

std::string Golden(const std::string& name) {
  std::ifstream file(std::string(BENCHD_TEST_DATA_DIR) + "/tflm/" + name, std::ios::binary);
  EXPECT_TRUE(file.good()) << name;
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

constexpr uint64_t kF767Hz = 216'000'000;
constexpr uint64_t kL496Hz = 80'000'000;

TEST(TflmOutputParserTest, KeywordBenchmarkSeparatesRunsFromProfilerEvents) {
  absl::StatusOr<TflmLog> log = ParseTflmLog(Golden("keyword_benchmark.log"));
  ASSERT_TRUE(log.ok()) << log.status();
  ASSERT_EQ(log->runs.size(), 2u);
  EXPECT_EQ(log->runs[0].tag, "KeywordRunNIerations(1)");
  EXPECT_EQ(log->runs[0].iterations, 1);
  EXPECT_EQ(log->runs[0].ticks, 648214u);
  EXPECT_EQ(log->runs[1].iterations, 10);
  EXPECT_EQ(log->runs[1].ticks, 6481930u);
  ASSERT_EQ(log->events.size(), 5u);
  EXPECT_EQ(log->events[0].tag, "InitializeKeywordRunner");
  EXPECT_EQ(log->events[2].tag, "SVDF");
  EXPECT_FALSE(log->ready);
  // Ten iterations are a sum: per inference it is a tenth.
  const std::vector<double> us = TflmPerInferenceMicros(log->runs, kF767Hz);
  EXPECT_NEAR(us[0], 648214.0 / 216.0, 1e-9);
  EXPECT_NEAR(us[1], 648193.0 / 216.0, 1e-9);
}

TEST(TflmOutputParserTest, BenchdFirmwareGivesOneSamplePerInference) {
  absl::StatusOr<TflmLog> log = ParseTflmLog(Golden("benchd_f767_lenet_int8.log"));
  ASSERT_TRUE(log.ok()) << log.status();
  EXPECT_TRUE(log->ready);
  const std::vector<double> us = TflmPerInferenceMicros(log->runs, kF767Hz);
  ASSERT_EQ(us.size(), 4u);
  // 1 737 835 cycles at 216 MHz is the study's 8.0455 ms.
  EXPECT_NEAR(us[0], 8045.5, 0.1);
}

TEST(TflmOutputParserTest, TicksAreConvertedWithTheClockNotTheMsField) {
  absl::StatusOr<TflmLog> log = ParseTflmLog(Golden("generic_port_bad_ms.log"));
  ASSERT_TRUE(log.ok()) << log.status();
  EXPECT_TRUE(log->ready);
  ASSERT_EQ(log->runs.size(), 2u);
  EXPECT_DOUBLE_EQ(TicksToMicros(log->runs[0].ticks, kL496Hz), 54550.0);
  EXPECT_DOUBLE_EQ(TicksToMicros(80, kL496Hz), 1.0);
  EXPECT_DOUBLE_EQ(TicksToMicros(1, 0), 0.0);
}

TEST(TflmOutputParserTest, NegativeTickSumIsAWrappedCounter) {
  absl::StatusOr<TflmLog> log = ParseTflmLog(Golden("wrapped_ticks.log"));
  ASSERT_TRUE(log.ok()) << log.status();
  ASSERT_EQ(log->runs.size(), 1u);
  EXPECT_EQ(log->runs[0].ticks, 2'660'410'755u);
  EXPECT_EQ(log->runs[0].iterations, 15);
  const std::vector<double> us = TflmPerInferenceMicros(log->runs, kL496Hz);
  EXPECT_NEAR(us[0], 2'217'008.96, 0.01);  // the study's ResNet20 int8 figure on the L496ZG
}

TEST(TflmOutputParserTest, TruncatedCaptureIsDataLoss) {
  absl::StatusOr<TflmLog> log = ParseTflmLog(Golden("truncated.log"));
  EXPECT_EQ(log.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(log.status().message()), HasSubstr("line 3"));
}

TEST(TflmOutputParserTest, GarbageIsDataLossWithItsLine) {
  absl::StatusOr<TflmLog> log = ParseTflmLog(Golden("garbage.log"));
  EXPECT_EQ(log.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(log.status().message()), HasSubstr("line 3"));
}

TEST(TflmOutputParserTest, MalformedTimingLineIsDataLoss) {
  absl::StatusOr<TflmLog> log = ParseTflmLog(Golden("malformed_timing.log"));
  EXPECT_EQ(log.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(log.status().message()), HasSubstr("line 2"));
}

TEST(TflmOutputParserTest, AllocationFailureIsReportedNotAnError) {
  absl::StatusOr<TflmLog> log = ParseTflmLog(Golden("allocation_failure.log"));
  ASSERT_TRUE(log.ok()) << log.status();
  ASSERT_TRUE(log->allocation_failure.has_value());
  EXPECT_THAT(*log->allocation_failure, HasSubstr("Needed 303104"));
  EXPECT_TRUE(log->runs.empty());
}

TEST(TflmOutputParserTest, TimingLineVariants) {
  EXPECT_FALSE(ParseTflmTimingLine("took 5 ticks (0 ms)").has_value());
  EXPECT_FALSE(ParseTflmTimingLine("X took 5 ticks").has_value());
  EXPECT_FALSE(ParseTflmTimingLine("X took 5 cycles (0 ms)").has_value());
  EXPECT_FALSE(ParseTflmTimingLine("X took 4294967296 ticks (0 ms)").has_value());
  std::optional<TflmTimingLine> line = ParseTflmTimingLine("RX:[dut]: Run(3) took 300 ticks (0 ms).\r");
  ASSERT_TRUE(line.has_value());
  EXPECT_EQ(line->tag, "Run(3)");
  EXPECT_EQ(line->iterations, 3);
  EXPECT_TRUE(line->profiler_event);
  EXPECT_TRUE(IsGarbageLine("ok\x01"));
  EXPECT_FALSE(IsGarbageLine("ok\tfine\r"));
}

}  // namespace
}  // namespace benchd::agent
