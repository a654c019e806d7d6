#pragma once

// `benchctl results SWEEP [--format table|csv|json]`: one row per successful
// run of the sweep's experiments, parameters first, then the summary. See
// `cli/output/results_view.h` for the columns.

#include <cstdint>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "cli/commands/command_context.h"

namespace benchd::cli {

enum class ResultsFormat { kTable, kCsv, kJson };

// "table", "csv" or "json". Errors: INVALID_ARGUMENT for anything else.
[[nodiscard]] absl::StatusOr<ResultsFormat> ParseResultsFormat(const std::string& name);

struct ResultsOptions {
  int64_t sweep_id = 0;
  ResultsFormat format = ResultsFormat::kTable;
};

// Errors: NOT_FOUND for an unknown sweep id, and the coordinator's others,
// with "results ID: " in front.
[[nodiscard]] absl::Status RunResults(const CommandContext& context, const ResultsOptions& options);

}  // namespace benchd::cli
