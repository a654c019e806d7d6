#include "agents/core/spool.h"

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

namespace benchd::agent {
namespace {

class SpoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/benchd-spool-XXXXXX";
    dir_ = mkdtemp(pattern);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  static benchd::v1::Report Latency(std::initializer_list<double> values) {
    benchd::v1::Report report;
    for (double v : values) report.mutable_latency_batch()->add_latency_us(v);
    return report;
  }
  static benchd::v1::Report Finished() {
    benchd::v1::Report report;
    report.mutable_run_finished()->set_succeeded(true);
    return report;
  }

  std::string dir_;
};

TEST_F(SpoolTest, NumbersReportsPerRunAndSurvivesARestart) {
  {
    auto spool = Spool::Open(dir_);
    ASSERT_TRUE(spool.ok()) << spool.status();
    EXPECT_EQ((*spool)->Append(7, Latency({1.0}))->seq(), 1);
    EXPECT_EQ((*spool)->Append(7, Latency({2.0}))->seq(), 2);
    EXPECT_EQ((*spool)->Append(9, Latency({3.0}))->seq(), 1);
  }
  auto reopened = Spool::Open(dir_);
  ASSERT_TRUE(reopened.ok());
  auto reports = (*reopened)->Unacknowledged();
  ASSERT_EQ(reports.size(), 3u);
  EXPECT_EQ(reports[0].run_id(), 7);
  EXPECT_EQ(reports[1].latency_batch().latency_us(0), 2.0);
  EXPECT_EQ(reports[2].run_id(), 9);
  EXPECT_EQ((*reopened)->UnfinishedRuns(), (std::vector<int64_t>{7, 9}));
  // Numbering continues where the earlier process stopped.
  EXPECT_EQ((*reopened)->Append(7, Finished())->seq(), 3);
}

TEST_F(SpoolTest, AckIsCumulativeAndAFinishedRunIsRemovedOnceAcknowledged) {
  auto spool = *Spool::Open(dir_);
  ASSERT_TRUE(spool->Append(5, Latency({1.0})).ok());
  ASSERT_TRUE(spool->Append(5, Latency({2.0})).ok());
  ASSERT_TRUE(spool->Append(5, Finished()).ok());
  spool->Ack(5, 2);
  ASSERT_EQ(spool->Unacknowledged().size(), 1u);
  EXPECT_TRUE(std::filesystem::exists(dir_ + "/run-5.spool"));
  spool->Ack(5, 3);
  EXPECT_TRUE(spool->Unacknowledged().empty());
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/run-5.spool"));
  EXPECT_TRUE(spool->WaitForDrain(std::chrono::milliseconds(0)));
}

TEST_F(SpoolTest, RecordCutShortByACrashIsIgnored) {
  {
    auto spool = *Spool::Open(dir_);
    ASSERT_TRUE(spool->Append(3, Latency({1.0, 2.0})).ok());
  }
  {
    std::ofstream out(dir_ + "/run-3.spool", std::ios::binary | std::ios::app);
    out.write("\x40\x00\x00\x00partial", 11);
  }
  auto spool = Spool::Open(dir_);
  ASSERT_TRUE(spool.ok());
  ASSERT_EQ((*spool)->Unacknowledged().size(), 1u);
  EXPECT_EQ((*spool)->Unacknowledged()[0].latency_batch().latency_us_size(), 2);
}

TEST_F(SpoolTest, DroppedRunRefusesFurtherReports) {
  auto spool = *Spool::Open(dir_);
  ASSERT_TRUE(spool->Append(4, Latency({1.0})).ok());
  spool->Drop(4);
  EXPECT_TRUE(spool->Unacknowledged().empty());
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/run-4.spool"));
  EXPECT_EQ(spool->Append(4, Finished()).status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(SpoolTest, KeepsEachRunsAttemptAcrossARestart) {
  {
    auto spool = *Spool::Open(dir_);
    benchd::v1::Report started = Latency({1.0});
    started.set_attempt(3);
    ASSERT_TRUE(spool->Append(7, started).ok());
    // A report without an attempt inherits the run's.
    EXPECT_EQ(spool->Append(7, Latency({2.0}))->attempt(), 3);
    spool->Ack(7, 2);
    EXPECT_EQ(spool->AttemptOf(7), 3);
    EXPECT_EQ(spool->AttemptOf(8), 0);
  }
  auto reopened = *Spool::Open(dir_);
  EXPECT_EQ(reopened->AttemptOf(7), 3);
  for (const auto& report : reopened->Unacknowledged()) EXPECT_EQ(report.attempt(), 3);
  // The synthetic RunFinished written for an interrupted run is fenced too.
  EXPECT_EQ(reopened->Append(7, Finished())->attempt(), 3);
}

}  // namespace
}  // namespace benchd::agent
