#include "daemon/store/retry_policy.h"

#include <gtest/gtest.h>

namespace benchd::daemon {
namespace {

using namespace std::chrono_literals;

const RetryOptions kOptions{.backoff_initial = 2s, .backoff_max = 10s};

TEST(RetryPolicyTest, MeasurementFailuresAreNeverRetried) {
  const RetryDecision decision = DecideRetry(benchd::v1::FAILURE_KIND_MEASUREMENT, 1, 5, kOptions);
  EXPECT_FALSE(decision.retry);
}

TEST(RetryPolicyTest, UnclassifiedFailuresAreNotRetried) {
  EXPECT_FALSE(DecideRetry(benchd::v1::FAILURE_KIND_UNSPECIFIED, 1, 5, kOptions).retry);
}

TEST(RetryPolicyTest, InfrastructureFailuresBackOffExponentiallyUpToTheCap) {
  std::vector<std::chrono::milliseconds> delays;
  for (int attempt = 1; attempt <= 4; ++attempt) {
    const RetryDecision decision = DecideRetry(benchd::v1::FAILURE_KIND_INFRASTRUCTURE, attempt, 5, kOptions);
    ASSERT_TRUE(decision.retry) << attempt;
    delays.push_back(decision.delay);
  }
  EXPECT_EQ(delays, (std::vector<std::chrono::milliseconds>{2s, 4s, 8s, 10s}));
}

TEST(RetryPolicyTest, TheAttemptLimitEndsRetries) {
  EXPECT_FALSE(DecideRetry(benchd::v1::FAILURE_KIND_INFRASTRUCTURE, 5, 5, kOptions).retry);
  EXPECT_FALSE(DecideRetry(benchd::v1::FAILURE_KIND_INFRASTRUCTURE, 6, 5, kOptions).retry);
}

TEST(RetryPolicyTest, AHugeAttemptCountDoesNotOverflowTheDelay) {
  const RetryDecision decision = DecideRetry(benchd::v1::FAILURE_KIND_INFRASTRUCTURE, 1000, 2000, kOptions);
  EXPECT_TRUE(decision.retry);
  EXPECT_EQ(decision.delay, 10s);
}

}  // namespace
}  // namespace benchd::daemon
