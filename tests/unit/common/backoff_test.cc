#include "common/backoff.h"

#include <gtest/gtest.h>

namespace benchd::common {
namespace {

using std::chrono::milliseconds;

TEST(BackoffTest, DelaysGrowWithinBoundsAndReset) {
  Backoff backoff(milliseconds(100), milliseconds(2000), /*seed=*/42);
  int64_t ceiling = 100;
  for (int i = 0; i < 10; ++i) {
    const milliseconds delay = backoff.Next();
    EXPECT_GE(delay.count(), 100);
    EXPECT_LE(delay.count(), std::min<int64_t>(ceiling, 2000));
    ceiling *= 2;
  }
  backoff.Reset();
  EXPECT_LE(backoff.Next().count(), 100);
}

TEST(BackoffTest, JitterSpreadsAgentsApart) {
  Backoff a(milliseconds(100), milliseconds(60000), 1);
  Backoff b(milliseconds(100), milliseconds(60000), 2);
  bool differed = false;
  for (int i = 0; i < 8; ++i) differed = differed || a.Next() != b.Next();
  EXPECT_TRUE(differed);
}

}  // namespace
}  // namespace benchd::common
