#include "cli/commands/show.h"

#include <string>

#include "cli/output/format.h"
#include "cli/output/progress_reporter.h"
#include "cli/output/table.h"
#include "common/proto_json.h"
#include "common/status_util.h"
#include "spdlog/fmt/fmt.h"

namespace benchd::cli {

namespace {

std::string PlatformOf(const benchd::v1::Experiment& experiment) {
  if (!experiment.platform().empty()) return experiment.platform();
  const benchd::v1::ParamValue* platform = common::FindParam(experiment.parameters(), "platform");
  return platform == nullptr ? "-" : common::ParamValueToString(*platform);
}

// After the full table, the experiments that need attention, so that they are
// found without scrolling through a sweep of thousands.
void RenderAttention(const std::vector<benchd::v1::Experiment>& experiments, std::ostream& out) {
  Table failed({{"#", Align::kRight}, {"PLATFORM"}, {"PARAMETERS"}, {"ATTEMPTS", Align::kRight},
                {"ERROR"}});
  Table unschedulable({{"#", Align::kRight}, {"PLATFORM"}, {"PARAMETERS"}, {"REASON"}});
  for (const benchd::v1::Experiment& experiment : experiments) {
    if (experiment.state() == benchd::v1::EXPERIMENT_STATE_FAILED) {
      failed.AddRow({std::to_string(experiment.ordinal()), PlatformOf(experiment),
                     FormatParameters(experiment.parameters()),
                     std::to_string(experiment.attempts()),
                     experiment.error().empty() ? "-" : experiment.error()});
    } else if (experiment.state() == benchd::v1::EXPERIMENT_STATE_PENDING &&
               experiment.unschedulable()) {
      unschedulable.AddRow({std::to_string(experiment.ordinal()), PlatformOf(experiment),
                            FormatParameters(experiment.parameters()), experiment.unschedulable_reason()});
    }
  }
  if (failed.row_count() > 0) {
    out << fmt::format("\nfailed experiments ({}):\n", failed.row_count());
    failed.Render(out);
  }
  if (unschedulable.row_count() > 0) {
    out << fmt::format("\nunschedulable experiments ({}):\n", unschedulable.row_count());
    unschedulable.Render(out);
  }
}

}  // namespace

absl::Status RunShow(const CommandContext& context, int64_t sweep_id) {
  const std::string operation = fmt::format("show {}", sweep_id);
  absl::StatusOr<benchd::v1::Sweep> sweep = context.client.GetSweep(sweep_id);
  if (!sweep.ok()) return common::WithContext(sweep.status(), operation);
  absl::StatusOr<std::vector<benchd::v1::Experiment>> experiments =
      context.client.ListExperiments(sweep_id);
  if (!experiments.ok()) return common::WithContext(experiments.status(), operation);

  // A two-column table aligns the values; its heading row is the id line.
  Table heading({{"sweep"}, {std::to_string(sweep->id())}});
  heading.AddRow({"name", sweep->name()});
  heading.AddRow({"submitted", FormatTimestamp(sweep->submitted_at())});
  if (sweep->cancelled()) heading.AddRow({"state", "cancelled"});
  heading.AddRow({"progress", ProgressSummaryText(sweep->progress())});
  heading.Render(context.out);
  context.out << '\n';

  Table table({{"#", Align::kRight},
               {"PLATFORM"},
               {"PARAMETERS"},
               {"STATE"},
               {"ATTEMPTS", Align::kRight},
               {"ERROR"}});
  for (const benchd::v1::Experiment& experiment : *experiments) {
    table.AddRow({std::to_string(experiment.ordinal()), PlatformOf(experiment),
                  FormatParameters(experiment.parameters()), FormatState(experiment.state()),
                  std::to_string(experiment.attempts()),
                  experiment.error().empty() ? "-" : experiment.error()});
  }
  table.Render(context.out);
  RenderAttention(*experiments, context.out);
  return absl::OkStatus();
}

}  // namespace benchd::cli
