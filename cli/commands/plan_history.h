#pragma once

// Earlier measurements for `benchctl plan`: walks the coordinator's sweeps
// (newest first) and collects the mean latency of every successful run on a
// platform and topology the plan needs. Read-only: ListSweeps and
// QueryResults, nothing else.
//
// The coordinator is optional for `plan`, so this never fails: a coordinator
// that cannot be reached gives an empty history and a note saying why.
// Bounded, so that a large or slow coordinator cannot stall a plan: at most
// `max_sweeps` sweeps with successful runs are queried, and no call is started
// after `budget` has passed (each call also has the client's deadline).
//
// Thread-safety: a plain function; the client is used from the calling
// thread only.

#include <chrono>
#include <set>
#include <string>
#include <utility>

#include "cli/commands/plan_estimate.h"
#include "cli/coordinator_client.h"

namespace benchd::cli {

struct HistoryLimits {
  int max_sweeps = 50;
  std::chrono::milliseconds budget{5000};
};

struct FetchedHistory {
  LatencyHistory history;
  // Sweeps whose results were read.
  int sweeps_read = 0;
  // Empty when the coordinator answered every call; else why the history is
  // missing or partial ("coordinator at 127.0.0.1:7700 is not reachable ...").
  std::string note;
};

// `wanted` holds (platform, topology) pairs; runs of other pairs are skipped.
FetchedHistory FetchLatencyHistory(const CoordinatorClient& client,
                                   const std::set<std::pair<std::string, std::string>>& wanted,
                                   const HistoryLimits& limits = {});

}  // namespace benchd::cli
