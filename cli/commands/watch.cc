#include "cli/commands/watch.h"

#include "cli/output/progress_reporter.h"
#include "common/status_util.h"
#include "spdlog/fmt/fmt.h"

namespace benchd::cli {

absl::StatusOr<ExitCode> RunWatch(const CommandContext& context, int64_t sweep_id) {
  ProgressReporter reporter(
      context.err,
      context.err_is_tty ? ProgressReporter::Mode::kBar : ProgressReporter::Mode::kLines, sweep_id);
  absl::StatusOr<benchd::v1::WatchSweepResponse> last = context.client.WatchSweep(
      sweep_id,
      [&](const benchd::v1::WatchSweepResponse& event) { reporter.Update(event.progress()); });
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
