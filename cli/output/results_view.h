#pragma once

// The rows of `benchctl results`, typed, so that one view renders as an
// aligned table, as CSV, or as JSON whose numbers stay numbers.
//
// Columns: the union of the results' parameter names (`platform` first, the
// rest sorted), then the summary: mean_us, median_us, p90_us, p99_us, std_us,
// min_us, max_us, fps, gops, samples, agent, device, run_id. A parameter whose
// name equals a summary column is renamed `param_<name>` so neither is lost.
//
// Pure functions; thread-safe.

#include <cstdint>
#include <ostream>
#include <string>
#include <variant>
#include <vector>

#include "benchd/v1/coordinator_service.pb.h"

namespace benchd::cli {

// std::monostate is a missing value: a parameter that one experiment lacks.
using Cell = std::variant<std::monostate, int64_t, double, bool, std::string>;

struct ResultsColumn {
  std::string name;
  // Parameters are inputs the user typed and print as typed ("0.5"); summary
  // figures are measurements and print with table precision.
  bool is_parameter = false;
};

struct ResultsView {
  std::vector<ResultsColumn> columns;
  // Each row has one cell per column.
  std::vector<std::vector<Cell>> rows;
};

ResultsView BuildResultsView(const std::vector<benchd::v1::Result>& results);

// Missing values print as "-"; numeric columns are right-aligned.
void RenderResultsTable(const ResultsView& view, std::ostream& out);
// A header row, then one record per result; missing values are empty fields
// and numbers keep full precision.
void RenderResultsCsv(const ResultsView& view, std::ostream& out);
// An array of objects whose keys follow the column order; missing values are
// null.
void RenderResultsJson(const ResultsView& view, std::ostream& out);

}  // namespace benchd::cli
