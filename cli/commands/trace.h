#pragma once

// `benchctl trace RUN [-o FILE]`: a run's raw samples as one CSV table, for
// plotting and for checking the figures benchd derived from them:
//
//   kind,name,repeat,index,t_ns,value,unit
//   phase,measure,,,884120334000,,
//   power,VDD_IN,,0,884120301000,7.412,W
//   latency,system,0,0,884120335812,1401.868,us
//
// `phase` rows mark where a phase starts (on the agent's monotonic clock, as
// every t_ns here); `power` rows are one rail's samples in time order;
// `latency` rows one repeat's per-inference latencies in order of execution
// (t_ns is their completion time, empty when the tool gives none).

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "cli/commands/command_context.h"

namespace benchd::cli {

struct TraceOptions {
  int64_t run_id = 0;
  // Empty or "-": standard output.
  std::string output;
};

// Errors: NOT_FOUND for an unknown run; UNAVAILABLE when the output file
// cannot be written; with "trace RUN: " in front.
[[nodiscard]] absl::Status RunTrace(const CommandContext& context, const TraceOptions& options);

}  // namespace benchd::cli
