#include "agents/core/lease_keeper.h"

#include <gtest/gtest.h>

namespace benchd::agent {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using TimePoint = LeaseKeeper::Clock::time_point;

// A lease of 40 s checked every 5 s has a margin of 10 s (a quarter), so a
// deadline is 30 s after its start.
constexpr milliseconds kLease = seconds(40);
constexpr milliseconds kCheck = seconds(5);
constexpr milliseconds kUsable = seconds(30);

class LeaseKeeperTest : public ::testing::Test {
 protected:
  TimePoint now_ = TimePoint() + seconds(1000);
  LeaseKeeper keeper_{kCheck, [this] { return now_; }};
};

TEST(LeaseKeeperMarginTest, IsAQuarterOfTheLeaseButAtLeastOneCheckAndTheKillGrace) {
  EXPECT_EQ(LeaseKeeper::Margin(seconds(40), seconds(5)), seconds(10));
  EXPECT_EQ(LeaseKeeper::Margin(seconds(30), seconds(5)), milliseconds(7500));
  // A quarter of 20 s is less than one 5 s check plus the 2 s kill grace.
  EXPECT_EQ(LeaseKeeper::Margin(seconds(20), seconds(5)), seconds(7));
  // Never more than half the lease.
  EXPECT_EQ(LeaseKeeper::Margin(seconds(10), seconds(5)), seconds(5));
}

TEST_F(LeaseKeeperTest, DeadlineStartsAtAssignReceiptMinusTheMargin) {
  ASSERT_TRUE(keeper_.Track(1, kLease));
  EXPECT_EQ(keeper_.Deadline(1), now_ + kUsable);
}

TEST_F(LeaseKeeperTest, ExpiresExactlyAtTheDeadlineAndNotBefore) {
  ASSERT_TRUE(keeper_.Track(1, kLease));
  now_ += kUsable - milliseconds(1);
  EXPECT_TRUE(keeper_.TakeExpired().empty());
  now_ += milliseconds(1);
  EXPECT_EQ(keeper_.TakeExpired(), (std::vector<int64_t>{1}));
  // Reported once: the run is no longer tracked.
  EXPECT_TRUE(keeper_.TakeExpired().empty());
  EXPECT_EQ(keeper_.tracked(), 0u);
}

TEST_F(LeaseKeeperTest, RenewalCountsFromWhenTheHeartbeatWasSent) {
  ASSERT_TRUE(keeper_.Track(1, kLease));
  now_ += seconds(20);
  const TimePoint sent = now_;
  keeper_.HeartbeatSent(7);
  // The renewal arrives later; the send time counts, not the arrival.
  now_ += seconds(3);
  EXPECT_EQ(keeper_.Renewed(7, {1}, kLease), 1);
  EXPECT_EQ(keeper_.Deadline(1), sent + kUsable);
  now_ = sent + kUsable - milliseconds(1);
  EXPECT_TRUE(keeper_.TakeExpired().empty());
  now_ = sent + kUsable;
  EXPECT_EQ(keeper_.TakeExpired(), (std::vector<int64_t>{1}));
}

TEST_F(LeaseKeeperTest, RunWithoutRenewalExpiresAtItsFirstDeadline) {
  const TimePoint assigned = now_;
  ASSERT_TRUE(keeper_.Track(1, kLease));
  for (int seq = 1; seq <= 6; ++seq) {
    now_ += kCheck;
    keeper_.HeartbeatSent(seq);
    if (now_ < assigned + kUsable) {
      EXPECT_TRUE(keeper_.TakeExpired().empty()) << "heartbeat " << seq;
    }
  }
  EXPECT_EQ(keeper_.TakeExpired(), (std::vector<int64_t>{1}));
}

TEST_F(LeaseKeeperTest, RenewalForAnUnknownHeartbeatIsIgnored) {
  ASSERT_TRUE(keeper_.Track(1, kLease));
  const auto before = keeper_.Deadline(1);
  now_ += seconds(10);
  EXPECT_EQ(keeper_.Renewed(99, {1}, kLease), 0);
  EXPECT_EQ(keeper_.Deadline(1), before);
}

TEST_F(LeaseKeeperTest, RunsMissingFromARenewalKeepTheirDeadline) {
  ASSERT_TRUE(keeper_.Track(1, kLease));
  now_ += seconds(5);
  ASSERT_TRUE(keeper_.Track(2, kLease));
  ASSERT_TRUE(keeper_.Track(3, kLease));
  const auto deadline_2 = keeper_.Deadline(2);
  now_ += seconds(5);
  keeper_.HeartbeatSent(1);
  EXPECT_EQ(keeper_.Renewed(1, {1, 3, 42}, kLease), 2);  // 42 is not tracked
  EXPECT_EQ(keeper_.Deadline(1), now_ + kUsable);
  EXPECT_EQ(keeper_.Deadline(2), deadline_2);
  EXPECT_EQ(keeper_.Deadline(3), now_ + kUsable);
  EXPECT_FALSE(keeper_.Deadline(42).has_value());

  now_ = *deadline_2;
  EXPECT_EQ(keeper_.TakeExpired(), (std::vector<int64_t>{2}));
  now_ += seconds(5);
  EXPECT_EQ(keeper_.TakeExpired(), (std::vector<int64_t>{1, 3}));
}

TEST_F(LeaseKeeperTest, AnOlderRenewalArrivingLateDoesNotShortenTheDeadline) {
  ASSERT_TRUE(keeper_.Track(1, kLease));
  keeper_.HeartbeatSent(1);
  now_ += kCheck;
  keeper_.HeartbeatSent(2);
  EXPECT_EQ(keeper_.Renewed(2, {1}, kLease), 1);
  const auto renewed = keeper_.Deadline(1);
  EXPECT_EQ(keeper_.Renewed(1, {1}, kLease), 0);
  EXPECT_EQ(keeper_.Deadline(1), renewed);
}

TEST_F(LeaseKeeperTest, RenewalUsesTheLeaseItCarries) {
  ASSERT_TRUE(keeper_.Track(1, kLease));
  keeper_.HeartbeatSent(1);
  EXPECT_EQ(keeper_.Renewed(1, {1}, seconds(80)), 1);
  EXPECT_EQ(keeper_.Deadline(1), now_ + seconds(80) - LeaseKeeper::Margin(seconds(80), kCheck));
}

TEST_F(LeaseKeeperTest, UnknownLeaseIsNotTrackedAndNeverExpires) {
  // An older coordinator sends no lease: lease_ms 0.
  EXPECT_FALSE(keeper_.Track(1, milliseconds(0)));
  keeper_.HeartbeatSent(1);
  EXPECT_EQ(keeper_.Renewed(1, {1}, milliseconds(0)), 0);
  now_ += std::chrono::hours(24);
  EXPECT_TRUE(keeper_.TakeExpired().empty());
  EXPECT_EQ(keeper_.tracked(), 0u);
}

TEST_F(LeaseKeeperTest, ForgottenRunDoesNotExpire) {
  ASSERT_TRUE(keeper_.Track(1, kLease));
  keeper_.Forget(1);
  now_ += kLease;
  EXPECT_TRUE(keeper_.TakeExpired().empty());
}

TEST_F(LeaseKeeperTest, OnlyTheLatestHeartbeatsAreRemembered) {
  ASSERT_TRUE(keeper_.Track(1, kLease));
  now_ += kCheck;
  keeper_.HeartbeatSent(1);
  for (int seq = 2; seq <= 100; ++seq) keeper_.HeartbeatSent(seq);
  EXPECT_EQ(keeper_.Renewed(1, {1}, kLease), 0);
  EXPECT_EQ(keeper_.Renewed(100, {1}, kLease), 1);
}

}  // namespace
}  // namespace benchd::agent
