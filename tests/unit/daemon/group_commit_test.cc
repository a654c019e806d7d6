#include "daemon/store/group_commit.h"

#include <gtest/gtest.h>

#include <future>
#include <thread>
#include <vector>

#include "tests/support/wait_until.h"

namespace benchd::daemon {
namespace {

using namespace std::chrono_literals;
using Commit = GroupCommit<int, int>;

TEST(GroupCommitTest, ACallerAloneIsServedAtOnceInAUnitOfItsOwn) {
  std::vector<size_t> units;
  Commit commit([&](const std::vector<Commit::Item*>& unit) {
    units.push_back(unit.size());
    for (Commit::Item* item : unit) item->result = item->request * 10;
  });
  EXPECT_EQ(commit.Run(4), 40);
  EXPECT_EQ(commit.Run(5), 50);
  EXPECT_EQ(units, (std::vector<size_t>{1, 1}));
}

TEST(GroupCommitTest, CallersArrivingDuringAUnitAreServedTogetherInTheNext) {
  std::promise<void> release_first;
  std::shared_future<void> first_may_finish = release_first.get_future().share();
  std::mutex units_mutex;
  std::vector<std::vector<int>> units;
  Commit commit([&](const std::vector<Commit::Item*>& unit) {
    std::vector<int> requests;
    for (Commit::Item* item : unit) requests.push_back(item->request);
    {
      std::lock_guard lock(units_mutex);
      units.push_back(requests);
    }
    if (requests == std::vector<int>{1}) first_may_finish.wait();
    for (Commit::Item* item : unit) item->result = -item->request;
  });

  auto first = std::async(std::launch::async, [&] { return commit.Run(1); });
  ASSERT_TRUE(testing::WaitUntil(
      [&] {
        std::lock_guard lock(units_mutex);
        return !units.empty();
      },
      10s));
  auto second = std::async(std::launch::async, [&] { return commit.Run(2); });
  auto third = std::async(std::launch::async, [&] { return commit.Run(3); });
  ASSERT_TRUE(testing::WaitUntil([&] { return commit.queued() == 2; }, 10s));
  release_first.set_value();

  EXPECT_EQ(first.get(), -1);
  EXPECT_EQ(second.get(), -2);
  EXPECT_EQ(third.get(), -3);
  ASSERT_EQ(units.size(), 2u);
  EXPECT_EQ(units[1].size(), 2u) << "the two waiting callers were not served in one unit";
  EXPECT_EQ(commit.queued(), 0u);
}

TEST(GroupCommitTest, EveryCallerGetsItsOwnResultUnderContention) {
  constexpr int kThreads = 8;
  constexpr int kCallsEach = 200;
  std::atomic<int> unit_count{0};
  Commit commit([&](const std::vector<Commit::Item*>& unit) {
    ++unit_count;
    for (Commit::Item* item : unit) item->result = item->request + 1;
  });
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kCallsEach; ++i) {
        const int request = t * kCallsEach + i;
        if (commit.Run(request) != request + 1) ++wrong;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_LE(unit_count.load(), kThreads * kCallsEach);
  EXPECT_EQ(commit.queued(), 0u);
}

}  // namespace
}  // namespace benchd::daemon
