// Tests for the progress display of `submit --watch`: a bar redrawn in place
// on a terminal, one line per change elsewhere.

#include "cli/output/progress_reporter.h"

#include <algorithm>
#include <sstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/unit/cli/test_data.h"

namespace benchd::cli {
namespace {

using ::benchd::cli::testing::Progress;
using ::testing::HasSubstr;
using ::testing::Not;

size_t Count(const std::string& text, char c) {
  return static_cast<size_t>(std::count(text.begin(), text.end(), c));
}

TEST(ProgressTextTest, BarShowsCountsPercentageAndEta) {
  const std::string text = ProgressBarText(Progress(12, 5, 1, 2, 80'000), 30);
  EXPECT_EQ(text,
            "[###############---------------]  50%  6/12 done  5 ok  1 failed  2 running  "
            "ETA 1m20s");
}

TEST(ProgressTextTest, EtaIsUnknownUntilARunFinishesAndGoneAtTheEnd) {
  EXPECT_THAT(ProgressLineText(3, Progress(4, 0, 0, 1)), HasSubstr("ETA --"));
  EXPECT_THAT(ProgressLineText(3, Progress(4, 3, 1, 0, 500)), Not(HasSubstr("ETA")));
}

TEST(ProgressTextTest, LineNamesTheSweepAndEveryCount) {
  benchd::v1::SweepProgress progress = Progress(10, 3, 1, 2, 5'000);
  progress.set_cancelled(1);
  progress.set_pending(3);
  EXPECT_EQ(ProgressLineText(42, progress),
            "sweep 42: 5/10 done (50%): 3 succeeded, 1 failed, 2 running, 3 pending, "
            "1 cancelled, ETA 5s");
}

TEST(ProgressTextTest, UnschedulableAndThroughputAreShownWhenKnown) {
  benchd::v1::SweepProgress progress = Progress(12, 5, 1, 2, 80'000);
  progress.set_unschedulable(1);
  progress.set_throughput_per_min(3.46);
  EXPECT_EQ(ProgressSummaryText(progress),
            "6/12 done (50%): 5 succeeded, 1 failed, 2 running, 4 pending (1 unschedulable), "
            "3.5/min, ETA 1m20s");
  EXPECT_EQ(ProgressBarText(progress, 10),
            "[#####-----]  50%  6/12 done  5 ok  1 failed  2 running  1 unschedulable  3.5/min  "
            "ETA 1m20s");
  progress.set_throughput_per_min(42.4);
  EXPECT_THAT(ProgressSummaryText(progress), HasSubstr(", 42/min, "));
  progress.set_throughput_per_min(0.04);
  EXPECT_THAT(ProgressSummaryText(progress), HasSubstr(", <0.1/min, "));
}

TEST(ProgressTextTest, OnlyUnschedulableWorkLeftSaysItIsWaitingInsteadOfAnEta) {
  benchd::v1::SweepProgress progress = Progress(4, 2, 0, 0, 30'000);
  progress.set_unschedulable(2);
  progress.set_throughput_per_min(1.0);
  EXPECT_EQ(ProgressLineText(9, progress),
            "sweep 9: 2/4 done (50%): 2 succeeded, 0 failed, 0 running, 2 pending "
            "(2 unschedulable), waiting for a device that can run them");
  EXPECT_THAT(ProgressBarText(progress, 10),
              ::testing::EndsWith("0 running  2 unschedulable  waiting for a device"));
}

TEST(ProgressTextTest, BlockedWorkIsCountedAndSaysWhereToLook) {
  benchd::v1::SweepProgress progress = Progress(6, 1, 0, 0);
  progress.set_unschedulable(1);
  progress.set_blocked(4);
  EXPECT_EQ(ProgressLineText(4, progress),
            "sweep 4: 1/6 done (16%): 1 succeeded, 0 failed, 0 running, 5 pending "
            "(1 unschedulable, 4 blocked: no device in service), "
            "waiting for a device to return to service (benchctl devices)");
  EXPECT_THAT(ProgressBarText(progress, 10),
              ::testing::EndsWith("0 running  1 unschedulable  4 blocked  waiting for a device"));
  // While something can still run, the estimate stays.
  progress = Progress(6, 1, 0, 1, 20'000);
  progress.set_blocked(2);
  EXPECT_EQ(ProgressSummaryText(progress),
            "1/6 done (16%): 1 succeeded, 0 failed, 1 running, 4 pending (2 blocked: no device in service), "
            "ETA 20s");
}

TEST(ProgressReporterTest, LinesModePrintsWhenTheBlockedCountChanges) {
  std::ostringstream out;
  ProgressReporter reporter(out, ProgressReporter::Mode::kLines, 7);
  benchd::v1::SweepProgress progress = Progress(4, 0, 0, 0);
  reporter.Update(progress);
  progress.set_blocked(4);
  reporter.Update(progress);
  EXPECT_EQ(Count(out.str(), '\n'), 2u);
}

TEST(ProgressReporterTest, LinesModePrintsWhenTheUnschedulableCountChanges) {
  std::ostringstream out;
  ProgressReporter reporter(out, ProgressReporter::Mode::kLines, 7);
  benchd::v1::SweepProgress progress = Progress(4, 0, 0, 1);
  reporter.Update(progress);
  progress.set_throughput_per_min(2.0);  // only the rate moved
  reporter.Update(progress);
  progress.set_unschedulable(3);
  reporter.Update(progress);
  EXPECT_EQ(Count(out.str(), '\n'), 2u);
}

TEST(ProgressTextTest, PercentageReachesHundredOnlyWhenAllFinished) {
  EXPECT_THAT(ProgressLineText(1, Progress(1000, 999, 0, 1)), HasSubstr("(99%)"));
  EXPECT_THAT(ProgressLineText(1, Progress(0, 0, 0, 0)), HasSubstr("(100%)"));
}

TEST(ProgressReporterTest, LinesModePrintsOnlyWhenCountsChange) {
  std::ostringstream out;
  ProgressReporter reporter(out, ProgressReporter::Mode::kLines, 7);
  reporter.Update(Progress(4, 0, 0, 1, 0));
  reporter.Update(Progress(4, 0, 0, 1, 0));       // repeated event
  reporter.Update(Progress(4, 0, 0, 1, 90'000));  // only the ETA moved
  reporter.Update(Progress(4, 1, 0, 1, 60'000));
  reporter.Finish();
  EXPECT_EQ(out.str(),
            "sweep 7: 0/4 done (0%): 0 succeeded, 0 failed, 1 running, 3 pending, ETA --\n"
            "sweep 7: 1/4 done (25%): 1 succeeded, 0 failed, 1 running, 2 pending, ETA 1m\n");
  EXPECT_EQ(Count(out.str(), '\r'), 0u);
}

TEST(ProgressReporterTest, BarModeRedrawsInPlaceAndEndsTheLineOnFinish) {
  std::ostringstream out;
  ProgressReporter reporter(out, ProgressReporter::Mode::kBar, 7);
  reporter.Update(Progress(2, 0, 0, 1));
  reporter.Update(Progress(2, 0, 0, 1));  // identical: no redraw
  reporter.Update(Progress(2, 1, 0, 1, 1'000));
  EXPECT_EQ(Count(out.str(), '\r'), 2u);
  EXPECT_EQ(Count(out.str(), '\n'), 0u);
  EXPECT_THAT(out.str(), HasSubstr("\x1b[K"));
  reporter.Update(Progress(2, 2, 0, 0));
  reporter.Finish();
  EXPECT_EQ(Count(out.str(), '\n'), 1u);
  EXPECT_THAT(out.str(), ::testing::EndsWith("100%  2/2 done  2 ok  0 failed  0 running\x1b[K\n"));
}

TEST(ProgressReporterTest, ANoteGoesBelowTheBarWhichIsDrawnAgainAfterIt) {
  std::ostringstream out;
  ProgressReporter reporter(out, ProgressReporter::Mode::kBar, 7);
  reporter.Update(Progress(2, 0, 0, 1));
  reporter.Note("benchctl: watch sweep 7: away; still trying");
  EXPECT_THAT(out.str(), ::testing::EndsWith("\x1b[K\nbenchctl: watch sweep 7: away; still trying\n"));
  reporter.Update(Progress(2, 0, 0, 1));  // same counts, but the bar is gone from view
  EXPECT_EQ(Count(out.str(), '\r'), 2u);
  reporter.Finish();
  EXPECT_EQ(Count(out.str(), '\n'), 3u);
}

TEST(ProgressReporterTest, FinishWithoutUpdatesWritesNothing) {
  std::ostringstream out;
  ProgressReporter reporter(out, ProgressReporter::Mode::kBar, 7);
  reporter.Finish();
  EXPECT_EQ(out.str(), "");
}

}  // namespace
}  // namespace benchd::cli
