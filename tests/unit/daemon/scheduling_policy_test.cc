// The scheduling rules as pure functions: matching, ordering by priority,
// configuration and fair share, on an injected clock.

#include "daemon/core/scheduling_policy.h"

#include <gtest/gtest.h>

#include "daemon/core/fair_share.h"

namespace benchd::daemon {
namespace {

using namespace std::chrono_literals;
using TimePoint = FairShareLedger::TimePoint;

WorkGroup Group(int64_t sweep, const std::string& config, int64_t pending, int priority = 0,
                const std::string& platform = "tx2", std::map<std::string, std::string> requires_labels = {}) {
  WorkGroup group;
  group.sweep_id = sweep;
  group.priority = priority;
  group.platform = platform;
  group.config_key = config;
  group.requires_labels = std::move(requires_labels);
  group.pending = pending;
  return group;
}

const DeviceTimeOf kNoneUsed = [](int64_t) { return std::chrono::nanoseconds(0); };

std::vector<std::pair<int64_t, std::string>> Order(const std::vector<const WorkGroup*>& ranked) {
  std::vector<std::pair<int64_t, std::string>> order;
  for (const WorkGroup* group : ranked) order.emplace_back(group->sweep_id, group->config_key);
  return order;
}

TEST(SchedulingPolicyTest, MatchesPlatformAndRequiredLabels) {
  const DeviceView tx2{.platform = "tx2", .labels = {{"lab", "b1"}, {"fan", "on"}}};
  EXPECT_TRUE(CanRun(tx2, Group(1, "", 1)));
  EXPECT_TRUE(CanRun(tx2, Group(1, "", 1, 0, "tx2", {{"lab", "b1"}})));
  EXPECT_TRUE(CanRun(tx2, Group(1, "", 1, 0, "tx2", {{"lab", "b1"}, {"fan", "on"}})));
  EXPECT_FALSE(CanRun(tx2, Group(1, "", 1, 0, "tx2", {{"lab", "b2"}})));
  EXPECT_FALSE(CanRun(tx2, Group(1, "", 1, 0, "tx2", {{"gpu", "yes"}})));
  EXPECT_FALSE(CanRun(tx2, Group(1, "", 1, 0, "ncs2")));
}

TEST(SchedulingPolicyTest, LeavesOutWhatTheDeviceCannotRunAndEmptyGroups) {
  const std::vector<WorkGroup> groups = {Group(1, "a", 5, 0, "ncs2"), Group(2, "a", 0), Group(3, "a", 2),
                                         Group(4, "a", 2, 0, "tx2", {{"lab", "x"}})};
  EXPECT_EQ(Order(RankGroups({.platform = "tx2"}, groups, kNoneUsed)),
            (std::vector<std::pair<int64_t, std::string>>{{3, "a"}}));
}

TEST(SchedulingPolicyTest, HigherPriorityComesFirstWhateverTheConfiguration) {
  const std::vector<WorkGroup> groups = {Group(1, "maxn", 100, 0), Group(2, "maxq", 1, 5)};
  const auto ranked = RankGroups({.platform = "tx2", .config_key = "maxn"}, groups, kNoneUsed);
  EXPECT_EQ(Order(ranked), (std::vector<std::pair<int64_t, std::string>>{{2, "maxq"}, {1, "maxn"}}));
}

TEST(SchedulingPolicyTest, TheCurrentConfigurationFirstThenTheLargestBacklog) {
  const std::vector<WorkGroup> groups = {Group(1, "maxn", 3), Group(1, "maxp", 10), Group(1, "maxq", 20),
                                         Group(2, "maxp", 15)};
  // In maxn: finish maxn; then maxp, whose 25 across sweeps beat maxq's 20.
  EXPECT_EQ(Order(RankGroups({.platform = "tx2", .config_key = "maxn"}, groups, kNoneUsed)),
            (std::vector<std::pair<int64_t, std::string>>{{1, "maxn"}, {1, "maxp"}, {2, "maxp"}, {1, "maxq"}}));
  // Unknown configuration (fresh agent): the largest backlog.
  EXPECT_EQ(Order(RankGroups({.platform = "tx2"}, groups, kNoneUsed)).front(),
            (std::pair<int64_t, std::string>{1, "maxp"}));
}

TEST(SchedulingPolicyTest, BacklogCountsOnlyWorkThisDeviceCanRun) {
  // maxq's big group needs a label this device lacks.
  const std::vector<WorkGroup> groups = {Group(1, "maxp", 5), Group(1, "maxq", 3),
                                         Group(2, "maxq", 50, 0, "tx2", {{"lab", "other"}})};
  EXPECT_EQ(Order(RankGroups({.platform = "tx2"}, groups, kNoneUsed)),
            (std::vector<std::pair<int64_t, std::string>>{{1, "maxp"}, {1, "maxq"}}));
}

TEST(SchedulingPolicyTest, OneDeviceSwitchesOncePerConfiguration) {
  // The QuTiBench TX2 study's shape: three power modes, work interleaved in
  // file order; a single board takes everything.
  std::vector<WorkGroup> groups = {Group(1, "maxn", 40), Group(1, "maxp", 40), Group(1, "maxq", 40),
                                   Group(2, "maxq", 7), Group(2, "maxn", 9)};
  DeviceView tx2{.platform = "tx2"};
  int switches = 0;
  for (;;) {
    const auto ranked = RankGroups(tx2, groups, kNoneUsed);
    if (ranked.empty()) break;
    WorkGroup& taken = groups[ranked.front() - groups.data()];
    if (taken.config_key != tx2.config_key) ++switches;
    tx2.config_key = taken.config_key;
    --taken.pending;
  }
  EXPECT_EQ(switches, 3);
}

TEST(SchedulingPolicyTest, FairShareFavoursTheSweepThatUsedLessDeviceTime) {
  FairShareLedger ledger;
  const TimePoint t0{};
  ledger.RunStarted(1, /*sweep=*/10, t0);
  ledger.RunEnded(1, t0 + 30s);
  ledger.RunStarted(2, /*sweep=*/20, t0 + 30s);
  ledger.RunEnded(2, t0 + 40s);
  const std::vector<WorkGroup> groups = {Group(10, "c", 5), Group(20, "c", 5)};
  auto used_at = [&](TimePoint now) { return [&ledger, now](int64_t sweep) { return ledger.Used(sweep, now); }; };
  // 30 s against 10 s: sweep 20 goes first.
  EXPECT_EQ(RankGroups({.platform = "tx2"}, groups, used_at(t0 + 40s)).front()->sweep_id, 20);
  // A long run of sweep 20 still in flight counts as it goes.
  ledger.RunStarted(3, 20, t0 + 40s);
  EXPECT_EQ(RankGroups({.platform = "tx2"}, groups, used_at(t0 + 50s)).front()->sweep_id, 20);  // 30 vs 20
  EXPECT_EQ(RankGroups({.platform = "tx2"}, groups, used_at(t0 + 61s)).front()->sweep_id, 10);  // 30 vs 31
}

TEST(SchedulingPolicyTest, EqualUseFallsBackToTheOlderSweep) {
  const std::vector<WorkGroup> groups = {Group(7, "c", 5), Group(3, "c", 5)};
  EXPECT_EQ(RankGroups({.platform = "tx2"}, groups, kNoneUsed).front()->sweep_id, 3);
}

TEST(SchedulingPolicyTest, FairShareAlternatesTwoSweepsOfEqualPriority) {
  FairShareLedger ledger;
  std::vector<WorkGroup> groups = {Group(1, "c", 4), Group(2, "c", 4)};
  TimePoint now{};
  std::vector<int64_t> served;
  for (int64_t run = 1; run <= 8; ++run) {
    const auto ranked = RankGroups({.platform = "tx2"}, groups,
                                   [&](int64_t sweep) { return ledger.Used(sweep, now); });
    WorkGroup& taken = groups[ranked.front() - groups.data()];
    served.push_back(taken.sweep_id);
    --taken.pending;
    ledger.RunStarted(run, taken.sweep_id, now);
    now += 10s;  // every run takes 10 s
    ledger.RunEnded(run, now);
  }
  EXPECT_EQ(served, (std::vector<int64_t>{1, 2, 1, 2, 1, 2, 1, 2}));
}

TEST(FairShareLedgerTest, UnknownRunsAreIgnored) {
  FairShareLedger ledger;
  ledger.RunEnded(42, TimePoint{} + 1s);
  EXPECT_EQ(ledger.Used(1, TimePoint{} + 2s), 0ns);
}

}  // namespace
}  // namespace benchd::daemon
