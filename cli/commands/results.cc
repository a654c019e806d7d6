#include "cli/commands/results.h"

#include <string>

#include "cli/output/results_view.h"
#include "common/status_util.h"
#include "spdlog/fmt/fmt.h"

namespace benchd::cli {

absl::StatusOr<ResultsFormat> ParseResultsFormat(const std::string& name) {
  if (name == "table") return ResultsFormat::kTable;
  if (name == "csv") return ResultsFormat::kCsv;
  if (name == "json") return ResultsFormat::kJson;
  return absl::InvalidArgumentError("unknown format '" + name + "' (expected table, csv or json)");
}

absl::Status RunResults(const CommandContext& context, const ResultsOptions& options) {
  absl::StatusOr<std::vector<benchd::v1::Result>> results =
      context.client.QueryResults(options.sweep_id);
  if (!results.ok()) {
    return common::WithContext(results.status(), fmt::format("results {}", options.sweep_id));
  }
  const ResultsView view = BuildResultsView(*results);
  switch (options.format) {
    case ResultsFormat::kTable:
      RenderResultsTable(view, context.out);
      // Only the table is for people; an empty CSV or JSON answer is data.
      if (results->empty()) {
        context.err << fmt::format("sweep {} has no results yet\n", options.sweep_id);
      }
      break;
    case ResultsFormat::kCsv:
      RenderResultsCsv(view, context.out);
      break;
    case ResultsFormat::kJson:
      RenderResultsJson(view, context.out);
      break;
  }
  return absl::OkStatus();
}

}  // namespace benchd::cli
