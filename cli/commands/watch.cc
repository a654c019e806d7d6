#include "cli/commands/watch.h"

#include <string>

#include "cli/output/progress_reporter.h"
#include "common/status_util.h"
#include "spdlog/fmt/fmt.h"

namespace benchd::cli {

absl::StatusOr<ExitCode> RunWatch(const CommandContext& context, int64_t sweep_id,
                                  const FollowWait& retry_wait) {
  ProgressReporter reporter(
      context.err,
      context.err_is_tty ? ProgressReporter::Mode::kBar : ProgressReporter::Mode::kLines, sweep_id);
  bool answered = false;  // the coordinator streamed at least once
  bool noted = false;     // the current absence was reported
  absl::StatusOr<benchd::v1::WatchSweepResponse> last;
  while (true) {
    last = context.client.WatchSweep(sweep_id, [&](const benchd::v1::WatchSweepResponse& event) {
      answered = true;
      noted = false;
      reporter.Update(event.progress());
    });
    if (last.ok() || !answered || !IsTransient(last.status())) break;
    if (!noted) {
      reporter.Note(fmt::format("benchctl: watch sweep {}: {}; still trying", sweep_id,
                                std::string(last.status().message())));
      noted = true;
    }
    if (!retry_wait()) break;
  }
  reporter.Finish();
  if (!last.ok()) {
    return common::WithContext(last.status(), fmt::format("watch sweep {}", sweep_id));
  }

  const benchd::v1::SweepProgress& progress = last->progress();
  context.out << fmt::format("sweep {} finished: {} succeeded, {} failed, {} cancelled\n", sweep_id,
                             progress.succeeded(), progress.failed(), progress.cancelled());
  const bool all_succeeded = progress.failed() == 0 && progress.cancelled() == 0;
  return all_succeeded ? ExitCode::kOk : ExitCode::kSweepFailed;
}

}  // namespace benchd::cli
