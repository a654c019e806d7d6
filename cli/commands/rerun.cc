#include "cli/commands/rerun.h"

#include "common/status_util.h"
#include "spdlog/fmt/fmt.h"

namespace benchd::cli {

absl::Status RunRerunFailed(const CommandContext& context, int64_t sweep_id) {
  absl::StatusOr<int64_t> requeued = context.client.RerunSweep(sweep_id);
  if (!requeued.ok()) return common::WithContext(requeued.status(), fmt::format("rerun sweep {}", sweep_id));
  context.out << fmt::format("sweep {}: {} failed experiment(s) requeued\n", sweep_id, *requeued);
  return absl::OkStatus();
}

}  // namespace benchd::cli
