#include "cli/output/results_view.h"

#include <algorithm>
#include <array>
#include <set>
#include <string_view>

#include "cli/output/csv.h"
#include "cli/output/format.h"
#include "cli/output/table.h"
#include "nlohmann/json.hpp"

namespace benchd::cli {

namespace {

namespace v1 = benchd::v1;

constexpr std::array<std::string_view, 13> kSummaryColumns = {
    "mean_us", "median_us", "p90_us",  "p99_us", "std_us", "min_us", "max_us",
    "fps",     "gops",      "samples", "agent",  "device", "run_id"};

// A figure the run did not report is an empty cell ("-", an empty CSV
// field, JSON null), never 0.
Cell Figure(bool present, double value) { return present ? Cell{value} : Cell{}; }

std::vector<Cell> SummaryCells(const v1::Result& result) {
  const v1::LatencyStats& latency = result.summary().latency();
  const v1::RunSummary& summary = result.summary();
  return {Figure(latency.has_mean_us(), latency.mean_us()),
          Figure(latency.has_median_us(), latency.median_us()),
          Figure(latency.has_p90_us(), latency.p90_us()),
          Figure(latency.has_p99_us(), latency.p99_us()),
          Figure(latency.has_std_us(), latency.std_us()),
          Figure(latency.has_min_us(), latency.min_us()),
          Figure(latency.has_max_us(), latency.max_us()),
          Figure(summary.has_fps(), summary.fps()),
          Figure(summary.has_gops(), summary.gops()),
          result.latency_sample_count(),
          result.agent(),
          result.device(),
          result.run_id()};
}

// Shown only when some result has them, so a sweep without power meters
// keeps a narrow table.
constexpr std::array<std::string_view, 5> kPowerColumns = {"base_w", "idle_w", "full_w", "mj_per_inference",
                                                           "dynamic_mj_per_inference"};
constexpr std::array<std::string_view, 2> kRepeatColumns = {"repeats", "warnings"};

// The primary rail's figures; energies in millijoules, the unit that reads
// naturally from MCUs (tens of µJ) to boards (hundreds of mJ).
std::vector<Cell> PowerCells(const v1::Result& result) {
  if (result.summary().power().rails_size() == 0) return std::vector<Cell>(kPowerColumns.size());
  const v1::RailPower& rail = result.summary().power().rails(0);
  const auto watts = [](bool measured, const v1::PhasePower& phase) -> Cell {
    return measured ? Cell{phase.avg_w()} : Cell{};
  };
  return {watts(rail.has_base(), rail.base()), watts(rail.has_idle(), rail.idle()),
          watts(rail.has_full(), rail.full()),
          rail.has_full() ? Cell{rail.energy_per_inference_j() * 1e3} : Cell{},
          rail.has_dynamic_energy_per_inference_j() ? Cell{rail.dynamic_energy_per_inference_j() * 1e3} : Cell{}};
}

std::vector<Cell> RepeatCells(const v1::Result& result) {
  std::string warnings;
  for (const std::string& warning : result.summary().warnings()) {
    if (!warnings.empty()) warnings += "; ";
    warnings += warning;
  }
  return {result.summary().repeats_size() > 0 ? Cell{int64_t{result.summary().repeats_size()}} : Cell{},
          warnings.empty() ? Cell{} : Cell{warnings}};
}

Cell ParamCell(const v1::ParamValue& value) {
  switch (value.kind_case()) {
    case v1::ParamValue::kStringValue:
      return value.string_value();
    case v1::ParamValue::kIntValue:
      return value.int_value();
    case v1::ParamValue::kDoubleValue:
      return value.double_value();
    case v1::ParamValue::kBoolValue:
      return value.bool_value();
    case v1::ParamValue::KIND_NOT_SET:
      break;
  }
  return std::monostate{};
}

std::string CellText(const Cell& cell, bool is_parameter, std::string_view missing) {
  struct Visitor {
    bool is_parameter;
    std::string_view missing;
    std::string operator()(std::monostate) const { return std::string(missing); }
    std::string operator()(int64_t value) const { return std::to_string(value); }
    std::string operator()(double value) const {
      return is_parameter ? FormatExact(value) : FormatMetric(value);
    }
    std::string operator()(bool value) const { return value ? "true" : "false"; }
    std::string operator()(const std::string& value) const { return value; }
  };
  return std::visit(Visitor{is_parameter, missing}, cell);
}

bool IsNumeric(const Cell& cell) {
  return std::holds_alternative<int64_t>(cell) || std::holds_alternative<double>(cell);
}

}  // namespace

ResultsView BuildResultsView(const std::vector<v1::Result>& results) {
  std::set<std::string> names;
  for (const v1::Result& result : results) {
    for (const auto& [name, value] : result.parameters().values()) names.insert(name);
  }
  std::vector<std::string> parameter_names;
  if (names.erase("platform") > 0) parameter_names.push_back("platform");
  parameter_names.insert(parameter_names.end(), names.begin(), names.end());

  ResultsView view;
  for (const std::string& name : parameter_names) {
    const auto in = [&](const auto& columns) {
      return std::find(columns.begin(), columns.end(), name) != columns.end();
    };
    const bool collides = in(kSummaryColumns) || in(kPowerColumns) || in(kRepeatColumns);
    view.columns.push_back({collides ? "param_" + name : name, /*is_parameter=*/true});
  }
  for (std::string_view name : kSummaryColumns) {
    view.columns.push_back({std::string(name), /*is_parameter=*/false});
  }
  const bool any_power = std::any_of(results.begin(), results.end(),
                                     [](const v1::Result& r) { return r.summary().power().rails_size() > 0; });
  const bool any_repeats = std::any_of(results.begin(), results.end(), [](const v1::Result& r) {
    return r.summary().repeats_size() > 1 || r.summary().warnings_size() > 0;
  });
  if (any_power) {
    for (std::string_view name : kPowerColumns) view.columns.push_back({std::string(name), false});
  }
  if (any_repeats) {
    for (std::string_view name : kRepeatColumns) view.columns.push_back({std::string(name), false});
  }

  for (const v1::Result& result : results) {
    std::vector<Cell> row;
    row.reserve(view.columns.size());
    for (const std::string& name : parameter_names) {
      auto it = result.parameters().values().find(name);
      row.push_back(it == result.parameters().values().end() ? Cell{} : ParamCell(it->second));
    }
    std::vector<Cell> summary = SummaryCells(result);
    row.insert(row.end(), summary.begin(), summary.end());
    if (any_power) {
      std::vector<Cell> power = PowerCells(result);
      row.insert(row.end(), power.begin(), power.end());
    }
    if (any_repeats) {
      std::vector<Cell> repeats = RepeatCells(result);
      row.insert(row.end(), repeats.begin(), repeats.end());
    }
    view.rows.push_back(std::move(row));
  }
  return view;
}

void RenderResultsTable(const ResultsView& view, std::ostream& out) {
  std::vector<Column> columns;
  for (size_t i = 0; i < view.columns.size(); ++i) {
    // A column is numeric when every value it has is a number; ids and
    // counts are numbers too and read best right-aligned.
    bool numeric = true;
    bool any = false;
    for (const auto& row : view.rows) {
      if (std::holds_alternative<std::monostate>(row[i])) continue;
      any = true;
      numeric = numeric && IsNumeric(row[i]);
    }
    columns.push_back({view.columns[i].name, any && numeric ? Align::kRight : Align::kLeft});
  }
  Table table(std::move(columns));
  for (const auto& row : view.rows) {
    std::vector<std::string> cells;
    for (size_t i = 0; i < row.size(); ++i) {
      cells.push_back(CellText(row[i], view.columns[i].is_parameter, "-"));
    }
    table.AddRow(std::move(cells));
  }
  table.Render(out);
}

void RenderResultsCsv(const ResultsView& view, std::ostream& out) {
  std::vector<std::string> header;
  for (const ResultsColumn& column : view.columns) header.push_back(column.name);
  WriteCsvRecord(out, header);
  for (const auto& row : view.rows) {
    std::vector<std::string> fields;
    // CSV is for further processing, so metrics keep every digit too.
    for (const Cell& cell : row) fields.push_back(CellText(cell, /*is_parameter=*/true, ""));
    WriteCsvRecord(out, fields);
  }
}

void RenderResultsJson(const ResultsView& view, std::ostream& out) {
  nlohmann::ordered_json array = nlohmann::ordered_json::array();
  for (const auto& row : view.rows) {
    nlohmann::ordered_json object = nlohmann::ordered_json::object();
    for (size_t i = 0; i < row.size(); ++i) {
      std::visit(
          [&](const auto& value) {
            using T = std::decay_t<decltype(value)>;
            if constexpr (std::is_same_v<T, std::monostate>) {
              object[view.columns[i].name] = nullptr;
            } else {
              object[view.columns[i].name] = value;
            }
          },
          row[i]);
    }
    array.push_back(std::move(object));
  }
  // Replacing invalid UTF-8 (an odd byte in a device name) beats dump()'s
  // default of throwing away the whole answer.
  out << array.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << '\n';
}

}  // namespace benchd::cli
