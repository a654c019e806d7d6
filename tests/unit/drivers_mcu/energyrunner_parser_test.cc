#include "agents/parsers/energyrunner_parser.h"

#include <fstream>
#include <sstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace benchd::agent {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string Golden(const std::string& name) {
  std::ifstream file(std::string(BENCHD_TEST_DATA_DIR) + "/energyrunner/" + name, std::ios::binary);
  EXPECT_TRUE(file.good()) << name;
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

TEST(EnergyRunnerParserTest, PerformanceSession) {
  absl::StatusOr<ErSession> session = ParseEnergyRunnerSession(Golden("perf_session.log"));
  ASSERT_TRUE(session.ok()) << session.status();
  EXPECT_EQ(session->name, "dut-[unspecified]");
  EXPECT_EQ(session->profile, "ULPMark for tinyML Firmware V0.0.1");
  EXPECT_EQ(session->model, "kws01");
  ASSERT_EQ(session->infers.size(), 1u);
  const ErInferResult& infer = session->infers[0];
  EXPECT_EQ(infer.warmups, 1);
  EXPECT_EQ(infer.inferences, 10);
  EXPECT_EQ(infer.lap_start_us, 67410227u);
  EXPECT_EQ(infer.lap_end_us, 68966157u);
  EXPECT_DOUBLE_EQ(infer.per_inference_us, 155593.0);
  ASSERT_EQ(infer.scores.size(), 12u);
  EXPECT_DOUBLE_EQ(infer.scores[11], 0.992);
}

TEST(EnergyRunnerParserTest, RelayPrefixesAreAccepted) {
  absl::StatusOr<ErSession> session = ParseEnergyRunnerSession(Golden("runner_relay_prefixes.log"));
  ASSERT_TRUE(session.ok()) << session.status();
  ASSERT_EQ(session->infers.size(), 1u);
  EXPECT_EQ(session->infers[0].warmups, 10);
  EXPECT_DOUBLE_EQ(session->infers[0].per_inference_us, 155593.0);
}

TEST(EnergyRunnerParserTest, LapDifferenceIsModulo32Bits) {
  absl::StatusOr<ErSession> session = ParseEnergyRunnerSession(Golden("lap_wraparound.log"));
  ASSERT_TRUE(session.ok()) << session.status();
  ASSERT_EQ(session->infers.size(), 1u);
  EXPECT_DOUBLE_EQ(session->infers[0].per_inference_us, 155593.0);
  EXPECT_THAT(session->infers[0].scores, ElementsAre(0.992, 0.008));
}

TEST(EnergyRunnerParserTest, DebugPrintsBetweenProtocolLinesAreIgnored) {
  absl::StatusOr<ErSession> session = ParseEnergyRunnerSession(Golden("debug_prints.log"));
  ASSERT_TRUE(session.ok()) << session.status();
  ASSERT_EQ(session->infers.size(), 1u);
  EXPECT_DOUBLE_EQ(session->infers[0].per_inference_us, 8046.0);
}

TEST(EnergyRunnerParserTest, TruncatedSessionIsDataLoss) {
  absl::StatusOr<ErSession> session = ParseEnergyRunnerSession(Golden("truncated.log"));
  EXPECT_EQ(session.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(session.status().message()), HasSubstr("line 3"));
}

TEST(EnergyRunnerParserTest, GarbageIsDataLoss) {
  absl::StatusOr<ErSession> session = ParseEnergyRunnerSession(Golden("garbage.log"));
  EXPECT_EQ(session.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(session.status().message()), HasSubstr("line 6"));
}

TEST(EnergyRunnerParserTest, ErrorInsideAnInferenceIsInternal) {
  absl::StatusOr<ErSession> session = ParseEnergyRunnerSession(Golden("error_response.log"));
  EXPECT_EQ(session.status().code(), absl::StatusCode::kInternal);
  EXPECT_THAT(std::string(session.status().message()), HasSubstr("Unknown command: pre"));
}

TEST(EnergyRunnerParserTest, InferResponseChecksTheOrderOfSteps) {
  EXPECT_EQ(ParseEnergyRunnerInfer({"m-infer-start-1", "m-lap-us-5", "m-infer-done", "m-ready"}).status().code(),
            absl::StatusCode::kDataLoss);  // one lap
  EXPECT_EQ(ParseEnergyRunnerInfer({"m-warmup-done", "m-infer-start-1", "m-lap-us-5", "m-lap-us-9"}).status().code(),
            absl::StatusCode::kDataLoss);  // done before start
  EXPECT_EQ(ParseEnergyRunnerInfer({"m-infer-start-0", "m-lap-us-5", "m-lap-us-9", "m-infer-done", "m-ready"})
                .status()
                .code(),
            absl::StatusCode::kDataLoss);  // no inferences
  absl::StatusOr<ErInferResult> ok =
      ParseEnergyRunnerInfer({"m-infer-start-2", "m-lap-us-5", "m-lap-us-9", "m-infer-done", "m-ready"});
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_DOUBLE_EQ(ok->per_inference_us, 2.0);
  EXPECT_EQ(ClassifyEnergyRunnerLine("m-lap-us-abc").kind, ErLineKind::kOther);
  EXPECT_EQ(ClassifyEnergyRunnerLine("m-lap-us-4294967296").value, 4294967296);
}

}  // namespace
}  // namespace benchd::agent
