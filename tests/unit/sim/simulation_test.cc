#include "agents/sim/common/simulation.h"

#include <cstdlib>
#include <string>

#include "gtest/gtest.h"
#include "tests/unit/sim/scoped_env.h"

namespace benchd::sim {
namespace {

using test_support::ScopedEnv;

TEST(SimulationTest, FailureModeDefaultsToNone) {
  unsetenv("BENCHD_SIM_FAILURE");
  EXPECT_EQ(FailureFromEnvironment().mode, FailureMode::kNone);
}

TEST(SimulationTest, ParsesEveryFailureMode) {
  const std::pair<const char*, FailureMode> cases[] = {
      {"none", FailureMode::kNone},         {"hang", FailureMode::kHang},
      {"crash", FailureMode::kCrash},       {"truncate", FailureMode::kTruncate},
      {"garbage", FailureMode::kGarbage},   {"no-answer", FailureMode::kNoAnswer},
      {"no-fit", FailureMode::kNoFit},
  };
  for (const auto& [text, mode] : cases) {
    ScopedEnv env("BENCHD_SIM_FAILURE", text);
    EXPECT_EQ(FailureFromEnvironment().mode, mode) << text;
  }
  ScopedEnv env("BENCHD_SIM_FAILURE", "exit:3");
  const Failure failure = FailureFromEnvironment();
  EXPECT_EQ(failure.mode, FailureMode::kExit);
  EXPECT_EQ(failure.exit_code, 3);
}

TEST(SimulationTest, UnknownFailureModeIsNone) {
  for (const char* text : {"explode", "exit:", "exit:x", "exit:256", "HANG"}) {
    ScopedEnv env("BENCHD_SIM_FAILURE", text);
    EXPECT_EQ(FailureFromEnvironment().mode, FailureMode::kNone) << text;
  }
}

TEST(SimulationTest, ZeroNoiseIsExact) {
  Noise noise(7, 0.0);
  EXPECT_EQ(noise.Around(0.202777), 0.202777);
  ScopedEnv env("BENCHD_SIM_NOISE", "0");
  Noise from_env;
  EXPECT_EQ(from_env.Around(12.5), 12.5);
}

TEST(SimulationTest, SeededNoiseRepeatsAndStaysPositive) {
  Noise a(42, 0.5);
  Noise b(42, 0.5);
  double sum = 0;
  for (int i = 0; i < 1000; ++i) {
    const double x = a.Around(10);
    EXPECT_EQ(x, b.Around(10));
    EXPECT_GE(x, 0.5);  // floor: 5 % of the mean
    sum += x;
  }
  EXPECT_NEAR(sum / 1000, 10, 1.0);
}

TEST(SimulationTest, SeedAndSpreadComeFromEnvironment) {
  ScopedEnv seed("BENCHD_SIM_SEED", "123");
  ScopedEnv spread("BENCHD_SIM_NOISE", "0.1");
  Noise a;
  Noise b(123, 0.1);
  EXPECT_EQ(a.Around(5), b.Around(5));
}

TEST(SimulationTest, GarbageIsNotText) {
  Noise noise(1, 0.02);
  testing::internal::CaptureStdout();
  PrintGarbage(noise.engine(), 500);
  const std::string out = testing::internal::GetCapturedStdout();
  ASSERT_EQ(out.size(), 500u);
  for (char c : out) {
    const auto byte = static_cast<unsigned char>(c);
    EXPECT_TRUE(byte == '\n' || byte >= 0x80) << int(byte);
  }
}

TEST(SimulationDeathTest, CrashDiesFromSegv) {
  EXPECT_EXIT(CrashNow(), testing::KilledBySignal(SIGSEGV), "");
}

}  // namespace
}  // namespace benchd::sim
