// RunPowerSession over a real PowerMonitor sampling a fake hwmon tree at
// 1 kHz on the real monotonic clock: the windows are real time, which is
// what the session measures.
#include "agents/core/run_power.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include "agents/drivers/driver_util.h"

namespace benchd::agent {
namespace {

class RunPowerSessionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("run-power-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_ / "hwmon0");
    Write("hwmon0/name", "board0\n");
    Write("hwmon0/power1_label", "board\n");
    Write("hwmon0/power1_input", "5000000\n");  // 5 W in µW
    power::PowerSourceConfig source;
    source.type = power::PowerSourceType::kHwmon;
    source.path = dir_.string();
    source.rate_hz = 1000;
    auto monitor = power::PowerMonitor::Create({source}, clock_, {});
    ASSERT_TRUE(monitor.ok()) << monitor.status();
    monitor_ = *std::move(monitor);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  void Write(const std::string& name, const std::string& text) { std::ofstream(dir_ / name) << text; }
  // While the sampler reads (it keeps the file open): the same number of
  // bytes written in place, so that it never sees a truncated file.
  void Overwrite(const std::string& name, const std::string& text) {
    std::fstream file(dir_ / name, std::ios::in | std::ios::out);
    file.write(text.data(), static_cast<std::streamsize>(text.size()));
  }

  // Lets `ms` of real time pass: a power window is a length of time.
  static void Hold(int ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }

  // The drain thread sends while the test looks.
  PowerBatchSink Collect() {
    return [this](benchd::v1::PowerBatch batch) {
      std::lock_guard lock(batches_mu_);
      batches_.push_back(std::move(batch));
    };
  }
  size_t BatchCount() {
    std::lock_guard lock(batches_mu_);
    return batches_.size();
  }

  std::filesystem::path dir_;
  power::MonotonicClock clock_;
  std::unique_ptr<power::PowerMonitor> monitor_;
  std::mutex batches_mu_;
  std::vector<benchd::v1::PowerBatch> batches_;
};

TEST_F(RunPowerSessionTest, FiguresFromDriverMarksAndTheAgentsBaseWindow) {
  RunPowerSession session(*monitor_, Collect());
  const std::atomic<bool> cancel{false};
  // Windows of 100+ ms: well over the 10 samples a figure needs even when
  // a busy machine delays the sampler.
  ASSERT_TRUE(session.Begin(std::chrono::milliseconds(100), cancel).ok());
  const int64_t idle = MonotonicNowNs();
  Hold(100);
  const int64_t measure = MonotonicNowNs();
  Hold(150);
  const int64_t end = MonotonicNowNs();
  const RunPowerOutcome outcome = session.Finish(
      {{power::Phase::kIdle, idle}, {power::Phase::kMeasure, measure}, {power::Phase::kCooldown, end}}, 100);

  EXPECT_TRUE(outcome.warnings.empty()) << outcome.warnings.front();
  const benchd::v1::PowerSummary& summary = outcome.summary;
  EXPECT_EQ(summary.phase_source(), "driver");
  ASSERT_EQ(summary.rails_size(), 1);
  const benchd::v1::RailPower& rail = summary.rails(0);
  EXPECT_EQ(rail.rail(), "board");
  EXPECT_NEAR(rail.base().avg_w(), 5, 1e-9);
  EXPECT_NEAR(rail.base().seconds(), 0.100, 0.050);
  EXPECT_NEAR(rail.idle().avg_w(), 5, 1e-9);
  EXPECT_NEAR(rail.full().avg_w(), 5, 1e-9);
  EXPECT_NEAR(rail.full().seconds(), (end - measure) * 1e-9, 1e-12);
  EXPECT_NEAR(rail.energy_per_inference_j(), 5 * (end - measure) * 1e-9 / 100, 1e-12);
  EXPECT_NEAR(rail.dynamic_energy_per_inference_j(), 0, 1e-9);
  EXPECT_GT(rail.full().samples(), 10);
  EXPECT_GT(rail.full().effective_rate_hz(), 250);

  // base, end (of base), idle, measure, cooldown, end.
  ASSERT_EQ(summary.phases_size(), 6);
  EXPECT_EQ(summary.phases(0).phase(), "base");
  EXPECT_EQ(summary.phases(1).phase(), "end");
  EXPECT_EQ(summary.phases(3).phase(), "measure");
  EXPECT_EQ(summary.phases(3).t_ns(), measure);
  EXPECT_EQ(summary.phases(5).phase(), "end");

  int64_t batched = 0;
  for (const benchd::v1::PowerBatch& batch : batches_) {
    EXPECT_EQ(batch.channel(), "board");
    EXPECT_EQ(batch.t_ns_size(), batch.watts_size());
    batched += batch.watts_size();
  }
  EXPECT_GE(batched, rail.full().samples() + rail.base().samples());
}

TEST_F(RunPowerSessionTest, FullPowerBelowIdlePowerIsKeptAndFlagged) {
  Write("hwmon0/power1_input", "6000000\n");  // 6 W while idle
  RunPowerSession session(*monitor_, nullptr);
  const std::atomic<bool> cancel{false};
  ASSERT_TRUE(session.Begin(std::chrono::milliseconds(0), cancel).ok());
  const int64_t idle = MonotonicNowNs();
  Hold(100);
  Overwrite("hwmon0/power1_input", "5000000\n");  // 5 W while measuring
  Hold(50);
  const int64_t measure = MonotonicNowNs();
  Hold(150);
  const RunPowerOutcome outcome = session.Finish(
      {{power::Phase::kIdle, idle}, {power::Phase::kMeasure, measure}, {power::Phase::kCooldown, MonotonicNowNs()}},
      100);
  ASSERT_EQ(outcome.summary.rails_size(), 1);
  EXPECT_LT(outcome.summary.rails(0).dynamic_energy_per_inference_j(), 0);
  ASSERT_EQ(outcome.warnings.size(), 1u);
  // The idle window runs to the measure mark, its last 50 ms at 5 W.
  EXPECT_EQ(outcome.warnings[0].rfind("rail board: full power 5.0", 0), 0u) << outcome.warnings[0];
  EXPECT_NE(outcome.warnings[0].find(" W is 1 % or more below idle power 5."), std::string::npos)
      << outcome.warnings[0];
}

TEST_F(RunPowerSessionTest, RunWithoutInferencesGetsAWarningInsteadOfAFigure) {
  RunPowerSession session(*monitor_, Collect());
  const std::atomic<bool> cancel{false};
  ASSERT_TRUE(session.Begin(std::chrono::milliseconds(0), cancel).ok());
  const int64_t measure = MonotonicNowNs();
  Hold(10);
  const RunPowerOutcome outcome =
      session.Finish({{power::Phase::kMeasure, measure}, {power::Phase::kEnd, MonotonicNowNs()}}, 0);
  ASSERT_EQ(outcome.warnings.size(), 1u);
  EXPECT_NE(outcome.warnings[0].find("no energy per inference"), std::string::npos) << outcome.warnings[0];
  ASSERT_EQ(outcome.summary.rails_size(), 1);
  EXPECT_FALSE(outcome.summary.rails(0).has_full());
  // No base window was held: no base figure, rather than 0 W.
  EXPECT_FALSE(outcome.summary.rails(0).has_base());
}

TEST_F(RunPowerSessionTest, AWindowTooShortForTheSamplingRateGetsAWarningNotAFigure) {
  RunPowerSession session(*monitor_, nullptr);
  const std::atomic<bool> cancel{false};
  ASSERT_TRUE(session.Begin(std::chrono::milliseconds(0), cancel).ok());
  const int64_t measure = MonotonicNowNs();
  Hold(20);  // samples on both sides of the 10 µs window below
  const RunPowerOutcome outcome =
      session.Finish({{power::Phase::kMeasure, measure}, {power::Phase::kEnd, measure + 10'000}}, 8);
  ASSERT_EQ(outcome.warnings.size(), 1u);
  EXPECT_NE(outcome.warnings[0].find("rail board: no measure power: its windows last 0.010 ms and hold"),
            std::string::npos)
      << outcome.warnings[0];
  ASSERT_EQ(outcome.summary.rails_size(), 1);
  EXPECT_FALSE(outcome.summary.rails(0).has_full());
  EXPECT_FALSE(outcome.summary.rails(0).has_dynamic_energy_per_inference_j());
}

TEST_F(RunPowerSessionTest, MarksBeforeSamplingStartedAreReportedNotExtrapolated) {
  RunPowerSession session(*monitor_, Collect());
  const std::atomic<bool> cancel{false};
  const int64_t too_early = MonotonicNowNs() - 1'000'000'000;
  ASSERT_TRUE(session.Begin(std::chrono::milliseconds(0), cancel).ok());
  const RunPowerOutcome outcome =
      session.Finish({{power::Phase::kMeasure, too_early}, {power::Phase::kEnd, MonotonicNowNs()}}, 10);
  ASSERT_FALSE(outcome.warnings.empty());
  EXPECT_NE(outcome.warnings[0].find("not covered"), std::string::npos) << outcome.warnings[0];
}

TEST_F(RunPowerSessionTest, SamplesAreSentInBatchesWhileTheRunGoesOn) {
  RunPowerSession session(*monitor_, Collect());
  const std::atomic<bool> cancel{false};
  ASSERT_TRUE(session.Begin(std::chrono::milliseconds(0), cancel).ok());
  const int64_t measure = MonotonicNowNs();
  // A full batch at 1 kHz takes ~4.1 s; wait (with a deadline) for the
  // drain thread to send one before the run ends.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (BatchCount() == 0 && std::chrono::steady_clock::now() < deadline) Hold(50);
  ASSERT_GT(BatchCount(), 0u);
  {
    std::lock_guard lock(batches_mu_);
    EXPECT_EQ(batches_.front().watts_size(), RunPowerSession::kSamplesPerBatch);
  }
  const RunPowerOutcome outcome =
      session.Finish({{power::Phase::kMeasure, measure}, {power::Phase::kEnd, MonotonicNowNs()}}, 1000);
  EXPECT_TRUE(outcome.warnings.empty());
  int64_t sent = 0;
  for (const auto& batch : batches_) sent += batch.watts_size();
  EXPECT_GE(sent, outcome.summary.rails(0).full().samples());
}

TEST_F(RunPowerSessionTest, CancelDuringTheBaseWindowStopsTheRun) {
  RunPowerSession session(*monitor_, nullptr);
  const std::atomic<bool> cancel{true};
  EXPECT_EQ(session.Begin(std::chrono::seconds(60), cancel).code(), absl::StatusCode::kCancelled);
}

}  // namespace
}  // namespace benchd::agent
