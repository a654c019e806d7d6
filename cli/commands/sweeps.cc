#include "cli/commands/sweeps.h"

#include <string>

#include "cli/output/format.h"
#include "cli/output/table.h"
#include "common/status_util.h"

namespace benchd::cli {

absl::Status RunSweeps(const CommandContext& context) {
  absl::StatusOr<std::vector<benchd::v1::Sweep>> sweeps = context.client.ListSweeps();
  if (!sweeps.ok()) return common::WithContext(sweeps.status(), "sweeps");

  Table table({{"ID", Align::kRight},
               {"NAME"},
               {"SUBMITTED"},
               {"TOTAL", Align::kRight},
               {"SUCCEEDED", Align::kRight},
               {"FAILED", Align::kRight},
               {"RUNNING", Align::kRight},
               {"PENDING", Align::kRight}});
  for (const benchd::v1::Sweep& sweep : *sweeps) {
    const benchd::v1::SweepProgress& progress = sweep.progress();
    table.AddRow({std::to_string(sweep.id()), sweep.name(), FormatTimestamp(sweep.submitted_at()),
                  std::to_string(progress.total()), std::to_string(progress.succeeded()),
                  std::to_string(progress.failed()), std::to_string(progress.running()),
                  std::to_string(progress.pending())});
  }
  table.Render(context.out);
  if (sweeps->empty()) context.err << "no sweeps yet: submit one with 'benchctl submit FILE'\n";
  return absl::OkStatus();
}

}  // namespace benchd::cli
