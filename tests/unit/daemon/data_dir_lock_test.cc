#include "daemon/core/data_dir_lock.h"

#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/temp_dir.h"

namespace benchd::daemon {
namespace {

using ::testing::HasSubstr;

TEST(DataDirLockTest, OneHolderAtATimeAndTheSecondIsToldWhoHoldsIt) {
  benchd::testing::TempDir dir("benchd-lock");
  {
    auto first = DataDirLock::Acquire(dir.path());
    ASSERT_TRUE(first.ok()) << first.status();
    // flock belongs to the open file, so a second open in this process
    // stands for a second benchd.
    auto second = DataDirLock::Acquire(dir.path());
    EXPECT_EQ(second.status().code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_THAT(std::string(second.status().message()),
                HasSubstr("data directory " + dir.path() + " is in use by another benchd (pid " +
                          std::to_string(::getpid()) + ")"));
  }
  // Released with its holder; the file left behind does not count.
  EXPECT_TRUE(DataDirLock::Acquire(dir.path()).ok());
}

TEST(DataDirLockTest, ADirectoryThatCannotHoldTheLockIsAnError) {
  benchd::testing::TempDir dir("benchd-lock");
  auto lock = DataDirLock::Acquire(dir.path() + "/missing");
  EXPECT_EQ(lock.status().code(), absl::StatusCode::kInternal);
  EXPECT_THAT(std::string(lock.status().message()), HasSubstr("missing/benchd.lock"));
}

}  // namespace
}  // namespace benchd::daemon
