#pragma once

// Draws a sweep's progress on stderr while `benchctl watch` (or `submit
// --watch`) follows it. On a terminal, one bar redrawn in place; anywhere else (a CI log, a
// file), one plain line per change in the counts, so logs are neither flooded
// with carriage returns nor repeated lines when only the ETA moved.
//
// Thread-compatible: one thread calls `Update` and `Finish`.

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>

#include "benchd/v1/coordinator_service.pb.h"

namespace benchd::cli {

class ProgressReporter {
 public:
  enum class Mode { kBar, kLines };

  // `out` is not owned and must outlive the reporter.
  ProgressReporter(std::ostream& out, Mode mode, int64_t sweep_id);

  void Update(const benchd::v1::SweepProgress& progress);

  // A line of its own between updates (on a terminal, below the bar, which
  // the next update draws again).
  void Note(const std::string& line);

  // Ends the bar's line so that what follows starts on a fresh one; the
  // reporter must not be updated afterwards.
  void Finish();

 private:
  std::ostream& out_;
  Mode mode_;
  int64_t sweep_id_;
  std::string last_drawn_;
  std::optional<benchd::v1::SweepProgress> last_counts_;
};

// Succeeded, failed and cancelled experiments: those that will not run again.
int64_t FinishedCount(const benchd::v1::SweepProgress& progress);

// "[#######-------]  50%  6/12 done  5 ok  1 failed  2 running  2 unschedulable
// 3.5/min  ETA 1m20s", with a bar `bar_width` characters wide. Zero cancelled
// or unschedulable counts and an unknown throughput are left out. When only
// unschedulable experiments are left, which the coordinator keeps waiting for
// a device that can run them, "waiting for a device" replaces rate and ETA.
std::string ProgressBarText(const benchd::v1::SweepProgress& progress, int bar_width);

// "6/12 done (50%): 5 succeeded, 1 failed, 2 running, 4 pending (1
// unschedulable), 3.5/min, ETA 1m20s"; with only unschedulable experiments
// left, "..., 0 running, 4 pending (4 unschedulable), waiting for a device
// that can run them".
std::string ProgressSummaryText(const benchd::v1::SweepProgress& progress);

// "sweep 42: 6/12 done (50%): 5 succeeded, 1 failed, 2 running, 4 pending, ETA 1m20s".
std::string ProgressLineText(int64_t sweep_id, const benchd::v1::SweepProgress& progress);

}  // namespace benchd::cli
