#pragma once

// Bounded polling for conditions that cross process boundaries (a file that
// another process writes, a row that a daemon commits), where no event can
// be waited on. Within one process, wait on a future or condition variable.

#include <chrono>
#include <functional>

namespace benchd::testing {

// Polls `condition` every few milliseconds until it holds or `timeout`
// passes; returns its last value. Does not record a test failure: wrap it
// in ASSERT_TRUE / EXPECT_TRUE.
[[nodiscard]] bool WaitUntil(const std::function<bool()>& condition,
                             std::chrono::milliseconds timeout);

}  // namespace benchd::testing
