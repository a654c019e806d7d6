#include "agents/power/power_config.h"

#include <algorithm>
#include <array>
#include <set>

#include "agents/power/line_parsers.h"
#include "common/raw_terminal.h"
#include "common/status_util.h"

namespace benchd::agent::power {
namespace {

using common::IndexPath;
using common::JoinPath;
using common::YamlContext;

constexpr double kMaxRateHz = 10000;

struct TypeEntry {
  std::string_view name;
  PowerSourceType type;
};

constexpr std::array kTypes = {
    TypeEntry{"hwmon", PowerSourceType::kHwmon},     TypeEntry{"ina3221", PowerSourceType::kIna3221},
    TypeEntry{"rapl", PowerSourceType::kRapl},       TypeEntry{"command", PowerSourceType::kCommand},
    TypeEntry{"serial-meter", PowerSourceType::kSerialMeter},
};

// The keys each type accepts besides `type`, `name` and `rails`.
std::set<std::string> TypeKeys(PowerSourceType type) {
  switch (type) {
    case PowerSourceType::kHwmon:
      return {"path", "chip", "rate_hz"};
    case PowerSourceType::kIna3221:
    case PowerSourceType::kRapl:
      return {"path", "rate_hz"};
    case PowerSourceType::kCommand:
      return {"command", "parser", "rate_hz"};
    case PowerSourceType::kSerialMeter:
      return {"port", "baud"};
  }
  return {};
}

absl::StatusOr<std::vector<std::string>> ReadStringList(const YamlContext& ctx, const YAML::Node& node,
                                                        const std::string& path, bool distinct) {
  if (!node.IsSequence() || node.size() == 0) return ctx.ErrorAt(node, path, "expected a non-empty list");
  std::vector<std::string> values;
  for (size_t i = 0; i < node.size(); ++i) {
    BENCHD_ASSIGN_OR_RETURN(std::string value, ctx.ReadString(node[i], IndexPath(path, i)));
    if (value.empty()) return ctx.ErrorAt(node[i], IndexPath(path, i), "expected a non-empty string");
    if (distinct && std::find(values.begin(), values.end(), value) != values.end()) {
      return ctx.ErrorAt(node[i], IndexPath(path, i), "'" + value + "' is listed twice");
    }
    values.push_back(std::move(value));
  }
  return values;
}

absl::StatusOr<PowerSourceConfig> ReadSource(const YamlContext& ctx, const YAML::Node& node, const std::string& path) {
  BENCHD_RETURN_IF_ERROR(ctx.CheckMap(node, path, {"type", "name", "path", "chip", "command", "parser", "port",
                                                   "baud", "rails", "rate_hz"}));
  if (!node["type"]) return ctx.ErrorAt(node, JoinPath(path, "type"), "missing");
  PowerSourceConfig source;
  BENCHD_ASSIGN_OR_RETURN(const std::string type, ctx.ReadString(node["type"], JoinPath(path, "type")));
  const auto entry = std::find_if(kTypes.begin(), kTypes.end(), [&](const TypeEntry& e) { return e.name == type; });
  if (entry == kTypes.end()) {
    return ctx.ErrorAt(node["type"], JoinPath(path, "type"),
                       "unknown power source type '" + type + "' (known: hwmon, ina3221, rapl, command, serial-meter)");
  }
  source.type = entry->type;
  const std::set<std::string> allowed = TypeKeys(source.type);
  for (const auto& item : node) {
    const std::string key = item.first.Scalar();
    if (key == "type" || key == "name" || key == "rails" || allowed.contains(key)) continue;
    return ctx.ErrorAt(item.first, JoinPath(path, key), "does not apply to a '" + type + "' source");
  }
  if (node["name"]) {
    BENCHD_ASSIGN_OR_RETURN(source.name, ctx.ReadString(node["name"], JoinPath(path, "name")));
  }
  if (node["path"]) {
    BENCHD_ASSIGN_OR_RETURN(source.path, ctx.ReadString(node["path"], JoinPath(path, "path")));
  }
  if (node["chip"]) {
    BENCHD_ASSIGN_OR_RETURN(source.chip, ctx.ReadString(node["chip"], JoinPath(path, "chip")));
  }
  if (node["rails"]) {
    BENCHD_ASSIGN_OR_RETURN(source.rails, ReadStringList(ctx, node["rails"], JoinPath(path, "rails"), true));
  }
  if (node["rate_hz"]) {
    const std::string rate_path = JoinPath(path, "rate_hz");
    BENCHD_ASSIGN_OR_RETURN(source.rate_hz, ctx.ReadDouble(node["rate_hz"], rate_path));
    if (!(source.rate_hz > 0 && source.rate_hz <= kMaxRateHz)) {
      return ctx.ErrorAt(node["rate_hz"], rate_path, "expected a rate in (0, 10000] Hz");
    }
  }
  if (source.type == PowerSourceType::kCommand) {
    for (const char* required : {"command", "parser"}) {
      if (!node[required]) return ctx.ErrorAt(node, JoinPath(path, required), "missing (required for 'command')");
    }
    BENCHD_ASSIGN_OR_RETURN(source.command,
                            ReadStringList(ctx, node["command"], JoinPath(path, "command"), false));
    BENCHD_ASSIGN_OR_RETURN(source.parser, ctx.ReadString(node["parser"], JoinPath(path, "parser")));
    if (absl::StatusOr<LineParser> parser = FindLineParser(source.parser); !parser.ok()) {
      return ctx.ErrorAt(node["parser"], JoinPath(path, "parser"), std::string(parser.status().message()));
    }
  }
  if (source.type == PowerSourceType::kSerialMeter) {
    if (!node["port"]) return ctx.ErrorAt(node, JoinPath(path, "port"), "missing (required for 'serial-meter')");
    BENCHD_ASSIGN_OR_RETURN(source.port, ctx.ReadString(node["port"], JoinPath(path, "port")));
    if (node["baud"]) {
      BENCHD_ASSIGN_OR_RETURN(source.baud, ctx.ReadInt(node["baud"], JoinPath(path, "baud"), 1, 4000000));
      if (!common::IsSupportedBaud(source.baud)) {
        return ctx.ErrorAt(node["baud"], JoinPath(path, "baud"),
                           "unsupported baud rate " + std::to_string(source.baud));
      }
    }
  }
  return source;
}

}  // namespace

std::string_view PowerSourceTypeName(PowerSourceType type) {
  for (const TypeEntry& entry : kTypes) {
    if (entry.type == type) return entry.name;
  }
  return "unknown";
}

absl::StatusOr<std::vector<PowerSourceConfig>> ReadPowerSources(const YamlContext& ctx, const YAML::Node& node,
                                                                const std::string& path) {
  if (!node.IsSequence() || node.size() == 0) {
    return ctx.ErrorAt(node, path, "expected a non-empty list of power sources");
  }
  std::vector<PowerSourceConfig> sources;
  std::set<std::string> names;
  for (size_t i = 0; i < node.size(); ++i) {
    BENCHD_ASSIGN_OR_RETURN(PowerSourceConfig source, ReadSource(ctx, node[i], IndexPath(path, i)));
    if (!source.name.empty() && !names.insert(source.name).second) {
      return ctx.ErrorAt(node[i]["name"], JoinPath(IndexPath(path, i), "name"),
                         "source name '" + source.name + "' is used twice");
    }
    sources.push_back(std::move(source));
  }
  return sources;
}

absl::StatusOr<std::vector<PowerSourceConfig>> ParsePowerSources(const std::string& text,
                                                                 const std::string& file_name) {
  YamlContext ctx(file_name);
  BENCHD_ASSIGN_OR_RETURN(YAML::Node root, ctx.Parse(text));
  BENCHD_RETURN_IF_ERROR(ctx.CheckMap(root, "", {"power"}));
  if (!root["power"]) return ctx.ErrorAt(root, "power", "missing");
  return ReadPowerSources(ctx, root["power"], "power");
}

}  // namespace benchd::agent::power
