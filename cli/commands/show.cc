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
  return absl::OkStatus();
}

}  // namespace benchd::cli
