#include "agents/power/line_parsers.h"

#include <array>
#include <cctype>

#include "agents/parsers/text_scan.h"

namespace benchd::agent::power {
namespace {

struct NamedParser {
  std::string_view name;
  absl::StatusOr<std::vector<LineReading>> (*parse)(std::string_view);
};

constexpr std::array kParsers = {
    NamedParser{"tegrastats", &ParseTegrastatsLine},
    NamedParser{"nvidia-smi-csv", &ParseNvidiaSmiCsvLine},
    NamedParser{"meter-csv", &ParseMeterCsvLine},
};

// A finite number filling all of `text` (text_scan.h's strict parsing).
bool ParseNumber(std::string_view text, double* value) {
  const absl::StatusOr<double> parsed = ParseDouble(text);
  if (!parsed.ok()) return false;
  *value = *parsed;
  return true;
}

std::vector<std::string_view> SplitCommas(std::string_view line) {
  std::vector<std::string_view> fields;
  while (true) {
    const size_t comma = line.find(',');
    fields.push_back(Trim(line.substr(0, comma)));
    if (comma == std::string_view::npos) return fields;
    line.remove_prefix(comma + 1);
  }
}

bool IsRailName(std::string_view token) {
  if (token.empty() || !std::isupper(static_cast<unsigned char>(token.front()))) return false;
  for (char c : token) {
    if (!std::isupper(static_cast<unsigned char>(c)) && !std::isdigit(static_cast<unsigned char>(c)) && c != '_') {
      return false;
    }
  }
  return true;
}

// "1234", "1234mW": milliwatts.
bool ParseMilliwatts(std::string_view text, double* milliwatts) {
  if (text.size() > 2 && text.substr(text.size() - 2) == "mW") text.remove_suffix(2);
  return ParseNumber(text, milliwatts) && *milliwatts >= 0;
}

absl::Status NoReading(std::string_view what, std::string_view line) {
  return absl::InvalidArgumentError(std::string(what) + ": no reading in line '" +
                                    std::string(line.substr(0, 120)) + "'");
}

}  // namespace

absl::StatusOr<std::vector<LineReading>> ParseTegrastatsLine(std::string_view line) {
  const std::vector<std::string_view> tokens = SplitWhitespace(line);
  std::vector<LineReading> readings;
  for (size_t i = 0; i + 1 < tokens.size(); ++i) {
    if (!IsRailName(tokens[i])) continue;
    const std::string_view pair = tokens[i + 1];
    const size_t slash = pair.find('/');
    double current = 0;
    double average = 0;
    if (slash == std::string_view::npos || !ParseMilliwatts(pair.substr(0, slash), &current) ||
        !ParseMilliwatts(pair.substr(slash + 1), &average)) {
      continue;
    }
    readings.push_back(LineReading{std::string(tokens[i]), current * 1e-3});
    ++i;
  }
  if (readings.empty()) return NoReading("tegrastats", line);
  return readings;
}

absl::StatusOr<std::vector<LineReading>> ParseNvidiaSmiCsvLine(std::string_view line) {
  std::vector<std::string_view> fields = SplitCommas(Trim(line));
  if (fields.empty() || fields.size() > 2) return NoReading("nvidia-smi", line);
  std::string_view power = fields.back();
  if (power.size() > 2 && power.substr(power.size() - 2) == " W") power.remove_suffix(2);
  double watts = 0;
  if (!ParseNumber(power, &watts) || watts < 0) return NoReading("nvidia-smi", line);
  std::string rail = "gpu";
  if (fields.size() == 2) {
    const absl::StatusOr<int64_t> index = ParseInt64(fields.front());
    if (!index.ok() || *index < 0) return NoReading("nvidia-smi", line);
    rail += std::to_string(*index);
  }
  return std::vector<LineReading>{LineReading{std::move(rail), watts}};
}

absl::StatusOr<std::vector<LineReading>> ParseMeterCsvLine(std::string_view line) {
  const std::vector<std::string_view> fields = SplitCommas(Trim(line));
  double t_ms = 0;
  double volts = 0;
  double amps = 0;
  if (fields.size() != 3 || !ParseNumber(fields[0], &t_ms) || !ParseNumber(fields[1], &volts) ||
      !ParseNumber(fields[2], &amps)) {
    return NoReading("meter", line);
  }
  return std::vector<LineReading>{LineReading{"meter", volts * amps}};
}

absl::StatusOr<LineParser> FindLineParser(std::string_view name) {
  for (const NamedParser& parser : kParsers) {
    if (parser.name == name) return LineParser(parser.parse);
  }
  std::string known;
  for (const std::string& parser_name : LineParserNames()) known += (known.empty() ? "" : ", ") + parser_name;
  return absl::NotFoundError("unknown power line parser '" + std::string(name) + "' (known: " + known + ")");
}

std::vector<std::string> LineParserNames() {
  std::vector<std::string> names;
  for (const NamedParser& parser : kParsers) names.emplace_back(parser.name);
  return names;
}

}  // namespace benchd::agent::power
