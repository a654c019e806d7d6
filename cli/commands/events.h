#pragma once

// `benchctl events [--sweep N] [--run N] [--agent A] [--device D] [--kind K]
// [--limit N] [--follow]`: the coordinator's event log (submissions,
// assignments, reconfigurations with their duration, lost leases,
// quarantines, cancellations, drains), oldest first, as a table: TIME, KIND,
// SWEEP, RUN, AGENT, DEVICE, DURATION, MESSAGE. Filters combine; without
// `--follow`, the newest `--limit` matching events are printed.
//
// With `--follow`, the command then polls for newer events (by id, so none is
// printed twice) and prints their rows under the same header, until it is
// interrupted. A coordinator that becomes unreachable while following is
// noted once on stderr and polled again; other errors end the command.

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/status.h"
#include "benchd/v1/coordinator_service.pb.h"
#include "cli/commands/command_context.h"
#include "cli/commands/follow.h"

namespace benchd::cli {

// The most events one ListEvents call returns (the coordinator's limit).
inline constexpr int32_t kMaxEventsPerCall = 10'000;
inline constexpr int32_t kDefaultEventLimit = 100;

struct EventsOptions {
  // Zero or empty: any.
  int64_t sweep_id = 0;
  int64_t run_id = 0;
  std::string agent;
  std::string device;
  std::string kind;
  // 1 to `kMaxEventsPerCall`.
  int32_t limit = kDefaultEventLimit;
  bool follow = false;
};

// The request for the first page of `options`' events.
benchd::v1::ListEventsRequest EventsRequest(const EventsOptions& options);

// Errors: INVALID_ARGUMENT for a limit the coordinator refuses; UNAVAILABLE
// when the coordinator cannot be reached on the first call; the coordinator's
// others. Messages start with "events: ".
[[nodiscard]] absl::Status RunEvents(const CommandContext& context, const EventsOptions& options,
                                     const FollowWait& wait);

}  // namespace benchd::cli
