#include "cli/commands/cancel.h"

#include "common/status_util.h"
#include "spdlog/fmt/fmt.h"

namespace benchd::cli {

absl::Status RunCancel(const CommandContext& context, int64_t sweep_id) {
  absl::StatusOr<benchd::v1::CancelSweepResponse> cancelled = context.client.CancelSweep(sweep_id);
  if (!cancelled.ok()) {
    return common::WithContext(cancelled.status(), fmt::format("cancel sweep {}", sweep_id));
  }
  context.out << fmt::format(
      "sweep {} cancelled: {} pending experiment(s) cancelled, {} running run(s) stopped\n",
      sweep_id, cancelled->cancelled_pending(), cancelled->stopped_runs());
  return absl::OkStatus();
}

}  // namespace benchd::cli
