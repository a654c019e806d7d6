#pragma once

// What the commands that keep following the coordinator share (`events
// --follow`, `watch`, `submit --watch`): the wait between polls or
// reconnections, injected so that tests do not sleep, and which errors are
// worth trying again (a coordinator restarting, or waiting for its
// database) rather than ending the command.

#include <chrono>
#include <functional>

#include "absl/status/status.h"

namespace benchd::cli {

// How long `events --follow` waits between polls, and `watch` between tries
// to reconnect.
inline constexpr std::chrono::seconds kFollowPollInterval{2};

// Called before each further poll or reconnection; returns false to stop.
using FollowWait = std::function<bool()>;

// Sleeps `interval` and returns true: following until the process is
// interrupted.
FollowWait SleepingFollowWait(std::chrono::milliseconds interval);

// UNAVAILABLE, DEADLINE_EXCEEDED or CANCELLED: the coordinator is away for
// now. benchctl never cancels a call it still waits on, so a cancelled one
// was cancelled by a coordinator shutting down (seen when a watch reconnects
// while the old process is still stopping).
bool IsTransient(const absl::Status& status);

}  // namespace benchd::cli
