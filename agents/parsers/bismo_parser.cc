#include "agents/parsers/bismo_parser.h"

#include <cctype>
#include <optional>

#include "agents/parsers/text_scan.h"
#include "agents/parsers/tool_text.h"
#include "common/status_util.h"

namespace benchd::agent {
namespace {

absl::Status DataLoss(int line_number, std::string_view message) {
  return ToolOutputError("BISMO benchmark", line_number, message);
}

std::string Shorten(std::string_view text) {
  constexpr size_t kMax = 40;
  std::string shown(text.substr(0, kMax));
  if (text.size() > kMax) shown += "...";
  return shown;
}

bool IsRule(std::string_view line) {
  return line.size() >= 10 && line.find_first_not_of('=') == std::string_view::npos;
}

bool IsKey(std::string_view token) {
  if (token.empty() || std::isdigit(static_cast<unsigned char>(token[0]))) return false;
  for (char c : token) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '%') return false;
  }
  return true;
}

// "a, b, c, " -> {"a", "b", "c"}: benchmark.hpp ends every field with ", ".
std::vector<std::string_view> SplitFields(std::string_view line) {
  std::vector<std::string_view> fields;
  while (!line.empty()) {
    const size_t comma = line.find(',');
    fields.push_back(Trim(line.substr(0, comma)));
    if (comma == std::string_view::npos) break;
    line.remove_prefix(comma + 1);
  }
  if (!fields.empty() && fields.back().empty()) fields.pop_back();
  return fields;
}

absl::StatusOr<BismoMatMul> MakeMatMul(std::map<std::string, double> values, std::optional<double> runtime_ns) {
  auto cycles = values.find("run_cycles");
  auto fclk = values.find("hw_fclk_mhz");
  if (cycles == values.end() || fclk == values.end()) {
    return absl::InvalidArgumentError("a result without run_cycles or hw_fclk_mhz");
  }
  if (cycles->second < 0 || fclk->second <= 0) {
    return absl::InvalidArgumentError("run_cycles must not be negative and hw_fclk_mhz must be positive");
  }
  BismoMatMul matmul;
  matmul.run_cycles = cycles->second;
  matmul.fclk_mhz = fclk->second;
  const double us = runtime_ns ? *runtime_ns / 1000 : matmul.run_cycles / matmul.fclk_mhz;
  matmul.compute_us = us;
  for (const auto& [key, value] : values) {
    if (key.starts_with("mat_") && key.ends_with("_us")) matmul.host_us += value;
  }
  matmul.values = std::move(values);
  return matmul;
}

// The first number in `text` after `label`, e.g. ("Runtime: 45213 cycles", "Runtime:").
absl::StatusOr<double> NumberAfter(std::string_view text, std::string_view label, size_t index = 0) {
  text.remove_prefix(label.size());
  const std::vector<std::string_view> tokens = SplitWhitespace(text);
  if (tokens.size() <= index) return absl::InvalidArgumentError("'" + std::string(label) + "' without a value");
  std::string_view token = tokens[index];
  if (!token.empty() && token.back() == ',') token.remove_suffix(1);
  return ParseDouble(token);
}

// Reads one line of a legacy "Performance Summary" block into `values`.
absl::Status ReadSummaryLine(std::string_view line, std::map<std::string, double>& values,
                             std::optional<double>& runtime_ns) {
  struct Field {
    std::string_view label;
    const char* key;
  };
  static constexpr Field kFields[] = {
      {"HW fclk:", "hw_fclk_mhz"},
      {"HW peak perf:", "hw_peak_perf_binops"},
      {"Achieved:", "run_achieved_binops"},
      {"Total workload:", "workload_total_binops"},
      {"Actual workload:", "workload_actual_binops"},
      {"Useful workload:", "workload_actual_binops"},
  };
  if (line.starts_with("Runtime:")) {
    BENCHD_ASSIGN_OR_RETURN(values["run_cycles"], NumberAfter(line, "Runtime:"));
    if (line.find(" ns") != std::string_view::npos) {
      BENCHD_ASSIGN_OR_RETURN(double ns, NumberAfter(line, "Runtime:", 2));
      runtime_ns = ns;
    }
    return absl::OkStatus();
  }
  for (const Field& field : kFields) {
    if (line.starts_with(field.label)) {
      BENCHD_ASSIGN_OR_RETURN(values[field.key], NumberAfter(line, field.label));
      return absl::OkStatus();
    }
  }
  return absl::OkStatus();  // other summary lines (bytes, OI) carry nothing the driver uses
}

}  // namespace

absl::StatusOr<BismoReport> ParseBismoOutput(std::string_view text) {
  std::vector<std::string> header;
  int header_line = 0;
  std::vector<BismoMatMul> table;   // from instrumentation lines
  std::vector<BismoMatMul> legacy;  // from summary blocks
  enum class Block { kNone, kSummary, kOther } block = Block::kNone;
  int block_line = 0;
  std::map<std::string, double> summary;
  std::optional<double> runtime_ns;

  const std::vector<TextLine> lines = SplitLines(text);
  if (const TextLine* binary = FindBinaryLine(lines)) return DataLoss(binary->number, "binary garbage, not a report");
  for (const TextLine& line : lines) {
    const std::string_view trimmed = Trim(line.text);
    if (trimmed.empty()) continue;
    if (trimmed.starts_with("Exception:")) {
      return absl::FailedPreconditionError("BISMO benchmark: line " + std::to_string(line.number) +
                                           ": the runtime library reported '" + std::string(trimmed) + "'");
    }
    if (block != Block::kNone) {
      if (IsRule(trimmed)) {
        if (block == Block::kSummary) {
          absl::StatusOr<BismoMatMul> matmul = MakeMatMul(std::move(summary), runtime_ns);
          if (!matmul.ok()) return DataLoss(block_line, std::string(matmul.status().message()));
          legacy.push_back(*std::move(matmul));
        }
        summary.clear();
        runtime_ns.reset();
        block = Block::kNone;
      } else if (block == Block::kSummary) {
        absl::Status status = ReadSummaryLine(trimmed, summary, runtime_ns);
        if (!status.ok()) return DataLoss(line.number, std::string(status.message()));
      }
      continue;
    }
    if (trimmed.ends_with("====")) {
      block = trimmed.starts_with("Performance Summary") ? Block::kSummary : Block::kOther;
      block_line = line.number;
      continue;
    }
    if (trimmed.starts_with("Enter ")) continue;  // interactive mode's prompts
    if (trimmed.find(',') == std::string_view::npos) {
      return DataLoss(line.number, "unexpected line '" + Shorten(trimmed) + "'");
    }
    const std::vector<std::string_view> fields = SplitFields(trimmed);
    if (!fields.empty() && IsKey(fields[0])) {
      std::vector<std::string> keys;
      for (std::string_view field : fields) {
        if (!IsKey(field)) return DataLoss(line.number, "bad key '" + Shorten(field) + "' in the header");
        keys.emplace_back(field);
      }
      if (!header.empty() && keys != header) {
        return DataLoss(line.number, "header differs from the header on line " + std::to_string(header_line));
      }
      header = std::move(keys);
      header_line = line.number;
      continue;
    }
    if (header.empty()) return DataLoss(line.number, "values before the header line");
    if (fields.size() != header.size()) {
      return DataLoss(line.number, std::to_string(fields.size()) + " values for " + std::to_string(header.size()) +
                                       " keys (truncated line?)");
    }
    std::map<std::string, double> values;
    for (size_t i = 0; i < fields.size(); ++i) {
      absl::StatusOr<double> value = ParseDouble(fields[i]);
      if (!value.ok()) return DataLoss(line.number, header[i] + ": " + std::string(value.status().message()));
      values[header[i]] = *value;
    }
    absl::StatusOr<BismoMatMul> matmul = MakeMatMul(std::move(values), std::nullopt);
    if (!matmul.ok()) return DataLoss(line.number, std::string(matmul.status().message()));
    table.push_back(*std::move(matmul));
  }

  if (block == Block::kSummary) return DataLoss(block_line, "truncated: performance summary block never closed");
  BismoReport report;
  // Verbose builds print a summary block and an instrumentation line for the
  // same multiply; the instrumentation line has every key, so it wins.
  if (!table.empty()) {
    report.format = BismoReport::Format::kInstrumentation;
    report.matmuls = std::move(table);
  } else if (!legacy.empty()) {
    report.format = BismoReport::Format::kLegacySummary;
    report.matmuls = std::move(legacy);
  } else if (!header.empty()) {
    return DataLoss(0, "truncated: header line " + std::to_string(header_line) + " but no values");
  } else {
    return DataLoss(0, "no results (empty output)");
  }
  return report;
}

}  // namespace benchd::agent
