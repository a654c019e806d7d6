#include "agents/parsers/command_output_parser.h"

#include <algorithm>
#include <array>
#include <functional>
#include <map>
#include <set>

#include "agents/parsers/text_scan.h"
#include "nlohmann/json.hpp"

namespace benchd::agent {
namespace {

struct LatencyUnit {
  std::string_view metric;
  double to_us;
};
constexpr std::array kLatencyUnits = {LatencyUnit{"latency_ns", 1e-3}, LatencyUnit{"latency_us", 1.0},
                                      LatencyUnit{"latency_ms", 1e3}, LatencyUnit{"latency_s", 1e6}};

absl::Status BadSpec(std::string_view message) {
  return absl::InvalidArgumentError("command output spec: " + std::string(message));
}

bool IsMetricName(std::string_view name) {
  if (name.empty() || !((name[0] >= 'a' && name[0] <= 'z') || name[0] == '_')) return false;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

// "power[W]=3" -> field; the source is interpreted by format.
absl::StatusOr<CommandOutputField> ParseField(std::string_view item, CommandOutputFormat format,
                                              const std::optional<std::regex>& pattern) {
  const size_t equals = item.find('=');
  if (equals == std::string_view::npos) return BadSpec("field '" + std::string(item) + "' is not metric=source");
  std::string_view metric = Trim(item.substr(0, equals));
  const std::string_view source = Trim(item.substr(equals + 1));
  CommandOutputField field;
  if (const size_t open = metric.find('['); open != std::string_view::npos) {
    if (metric.back() != ']' || open + 2 > metric.size() - 1) {
      return BadSpec("field '" + std::string(item) + "': a unit is written name[unit]");
    }
    field.unit = std::string(metric.substr(open + 1, metric.size() - open - 2));
    metric = metric.substr(0, open);
  }
  if (!IsMetricName(metric)) return BadSpec("metric '" + std::string(metric) + "' is not [a-z_][a-z0-9_]*");
  field.metric = std::string(metric);
  if (source.empty()) return BadSpec("field '" + std::string(item) + "' has no source");
  if (format == CommandOutputFormat::kRegex) {
    absl::StatusOr<int64_t> group = ParseInt64(source);
    if (!group.ok() || *group < 1 || *group > static_cast<int64_t>(pattern->mark_count())) {
      return BadSpec("field '" + std::string(item) + "': the source must be a capture group number in [1, " +
                     std::to_string(pattern->mark_count()) + "]");
    }
    field.group = static_cast<int>(*group);
  } else {
    field.key = std::string(source);
  }
  return field;
}

absl::Status BadValue(int line_number, const std::string& metric, std::string_view value) {
  return absl::DataLossError("parse command output: line " + std::to_string(line_number) + ": " + metric +
                             " '" + std::string(value.substr(0, 40)) + "' is not a number");
}

// The text of a field on one line, when the line carries it.
using FieldLookup = std::function<std::optional<std::string>(const CommandOutputField&)>;

std::optional<std::string> JsonLookup(const nlohmann::json& object, const std::string& dotted) {
  const nlohmann::json* node = &object;
  size_t start = 0;
  while (true) {
    const size_t dot = dotted.find('.', start);
    const std::string key = dotted.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (!node->is_object() || !node->contains(key)) return std::nullopt;
    node = &(*node)[key];
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  if (node->is_number()) return node->dump();
  if (node->is_string()) return node->get<std::string>();
  return node->dump();  // a value of the wrong type is reported as not a number
}

}  // namespace

absl::StatusOr<CommandOutputSpec> ParseCommandOutputSpec(std::string_view format, std::string_view fields,
                                                         std::string_view pattern) {
  CommandOutputSpec spec;
  if (format == "regex") {
    spec.format = CommandOutputFormat::kRegex;
  } else if (format == "jsonl") {
    spec.format = CommandOutputFormat::kJsonLines;
  } else if (format == "kv") {
    spec.format = CommandOutputFormat::kKeyValue;
  } else {
    return BadSpec("parser '" + std::string(format) + "' is unknown: known are regex, jsonl, kv");
  }
  if (spec.format == CommandOutputFormat::kRegex) {
    if (pattern.empty()) return BadSpec("parser regex needs a pattern");
    try {
      spec.pattern.emplace(std::string(pattern), std::regex::ECMAScript);
    } catch (const std::regex_error& error) {
      return BadSpec("pattern '" + std::string(pattern) + "' does not compile: " + error.what());
    }
    spec.pattern_text = std::string(pattern);
  } else if (!pattern.empty()) {
    return BadSpec("a pattern is only used by parser regex");
  }
  bool have_latency = false;
  std::set<std::string> seen;
  std::string_view rest = fields;
  while (!Trim(rest).empty()) {
    const size_t comma = rest.find(',');
    absl::StatusOr<CommandOutputField> field = ParseField(Trim(rest.substr(0, comma)), spec.format, spec.pattern);
    if (!field.ok()) return field.status();
    if (!seen.insert(field->metric).second) return BadSpec("metric '" + field->metric + "' is named twice");
    const auto unit = std::find_if(kLatencyUnits.begin(), kLatencyUnits.end(),
                                   [&](const LatencyUnit& u) { return u.metric == field->metric; });
    if (unit != kLatencyUnits.end()) {
      if (have_latency) return BadSpec("only one latency field may be given");
      have_latency = true;
      spec.latency = *std::move(field);
      spec.latency_to_us = unit->to_us;
    } else {
      spec.extras.push_back(*std::move(field));
    }
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  if (!have_latency) return BadSpec("fields must name the latency: latency_ns, latency_us, latency_ms or latency_s");
  return spec;
}

absl::StatusOr<CommandOutput> ParseCommandOutput(const CommandOutputSpec& spec, std::string_view text) {
  CommandOutput output;
  std::vector<double> sums(spec.extras.size(), 0.0);
  std::vector<int64_t> counts(spec.extras.size(), 0);
  for (const TextLine& line : SplitLines(text)) {
    FieldLookup lookup;
    std::smatch match;
    std::map<std::string, std::string, std::less<>> pairs;
    nlohmann::json object;
    const std::string content(Trim(line.text));
    if (spec.format == CommandOutputFormat::kRegex) {
      if (!std::regex_search(content, match, *spec.pattern)) continue;
      lookup = [&](const CommandOutputField& f) -> std::optional<std::string> {
        if (!match[f.group].matched) return std::nullopt;
        return match[f.group].str();
      };
    } else if (spec.format == CommandOutputFormat::kJsonLines) {
      if (content.empty() || content.front() != '{') continue;
      object = nlohmann::json::parse(content, nullptr, /*allow_exceptions=*/false);
      if (object.is_discarded() || !object.is_object()) continue;
      lookup = [&](const CommandOutputField& f) { return JsonLookup(object, f.key); };
    } else {
      for (std::string_view token : SplitWhitespace(content)) {
        while (!token.empty()) {
          const size_t comma = token.find(',');
          const std::string_view pair = token.substr(0, comma);
          if (const size_t eq = pair.find('='); eq != std::string_view::npos && eq > 0) {
            pairs.emplace(std::string(pair.substr(0, eq)), std::string(pair.substr(eq + 1)));
          }
          if (comma == std::string_view::npos) break;
          token.remove_prefix(comma + 1);
        }
      }
      lookup = [&](const CommandOutputField& f) -> std::optional<std::string> {
        const auto found = pairs.find(f.key);
        if (found == pairs.end()) return std::nullopt;
        return found->second;
      };
    }
    // Reserved keys (jsonl and kv): `t_ns` stamps a line on the monotonic
    // clock; a line with `phase` and no latency marks a phase boundary.
    std::optional<int64_t> t_ns;
    if (spec.format != CommandOutputFormat::kRegex) {
      if (const std::optional<std::string> t_text = lookup(CommandOutputField{"t_ns", "", "t_ns", 0})) {
        absl::StatusOr<int64_t> parsed = ParseInt64(Trim(*t_text));
        if (!parsed.ok() || *parsed < 0) return BadValue(line.number, "t_ns", *t_text);
        t_ns = *parsed;
      }
      const std::optional<std::string> phase = lookup(CommandOutputField{"phase", "", "phase", 0});
      if (phase && !lookup(spec.latency)) {
        if (!t_ns) {
          return absl::DataLossError("parse command output: line " + std::to_string(line.number) + ": phase '" +
                                     *phase + "' without t_ns");
        }
        output.phases.push_back(CommandPhaseMark{std::string(Trim(*phase)), *t_ns});
        continue;
      }
    }
    for (size_t i = 0; i < spec.extras.size(); ++i) {
      const std::optional<std::string> value_text = lookup(spec.extras[i]);
      if (!value_text) continue;
      absl::StatusOr<double> value = ParseDouble(Trim(*value_text));
      if (!value.ok()) return BadValue(line.number, spec.extras[i].metric, *value_text);
      sums[i] += *value;
      ++counts[i];
    }
    const std::optional<std::string> latency_text = lookup(spec.latency);
    if (!latency_text) continue;
    absl::StatusOr<double> latency = ParseDouble(Trim(*latency_text));
    if (!latency.ok()) return BadValue(line.number, spec.latency.metric, *latency_text);
    if (*latency < 0) {
      return absl::DataLossError("parse command output: line " + std::to_string(line.number) +
                                 ": negative latency " + *latency_text);
    }
    output.latency_us.push_back(*latency * spec.latency_to_us);
    if (t_ns) output.t_ns.push_back(*t_ns);
  }
  // Timestamps count only when every sample has one.
  if (output.t_ns.size() != output.latency_us.size()) output.t_ns.clear();
  if (output.latency_us.empty()) {
    return absl::DataLossError("parse command output: no line carries the latency field '" +
                               spec.latency.metric + "'");
  }
  for (size_t i = 0; i < spec.extras.size(); ++i) {
    if (counts[i] == 0) continue;
    output.extras.push_back(CommandExtraFigure{spec.extras[i].metric, spec.extras[i].unit,
                                               sums[i] / static_cast<double>(counts[i]), counts[i]});
  }
  return output;
}

}  // namespace benchd::agent
