#include "agents/core/agent_config.h"

#include <unistd.h>

#include <algorithm>
#include <set>

#include "common/platform_catalog.h"
#include "common/proto_json.h"
#include "common/status_util.h"
#include "common/yaml_reader.h"
#include "spdlog/fmt/fmt.h"

namespace benchd::agent {
namespace {

using common::IndexPath;
using common::JoinPath;
using common::YamlContext;

absl::StatusOr<std::map<std::string, std::string>> ReadStringMap(const YamlContext& ctx, const YAML::Node& node,
                                                                 const std::string& path) {
  if (!node.IsMap()) return ctx.ErrorAt(node, path, "expected a map of names to values");
  std::map<std::string, std::string> values;
  for (const auto& item : node) {
    const std::string key = item.first.Scalar();
    BENCHD_ASSIGN_OR_RETURN(values[key], ctx.ReadString(item.second, JoinPath(path, key)));
  }
  return values;
}

absl::StatusOr<std::vector<std::string>> ReadArgv(const YamlContext& ctx, const YAML::Node& node,
                                                  const std::string& path) {
  if (!node.IsSequence() || node.size() == 0) {
    return ctx.ErrorAt(node, path, "expected a non-empty list: the program and its arguments");
  }
  std::vector<std::string> argv;
  for (size_t i = 0; i < node.size(); ++i) {
    BENCHD_ASSIGN_OR_RETURN(std::string arg, ctx.ReadString(node[i], IndexPath(path, i)));
    argv.push_back(std::move(arg));
  }
  if (argv[0].empty()) return ctx.ErrorAt(node[0], IndexPath(path, 0), "expected a program, got an empty string");
  return argv;
}

// Values keep the text form the coordinator compares experiments' parameters
// in (ParamValueToString), so `8`, `"8"` and `8` in a sweep all match.
absl::StatusOr<std::map<std::string, std::vector<std::string>>> ReadDomains(const YamlContext& ctx,
                                                                            const YAML::Node& node,
                                                                            const std::string& path) {
  if (!node.IsMap()) return ctx.ErrorAt(node, path, "expected a map of parameter names to lists of values");
  std::map<std::string, std::vector<std::string>> domains;
  for (const auto& item : node) {
    const std::string name = item.first.Scalar();
    const std::string item_path = JoinPath(path, name);
    if (name.empty()) return ctx.ErrorAt(item.first, path, "expected a parameter name, got an empty key");
    const YAML::Node& values = item.second;
    if (!values.IsSequence() || values.size() == 0) {
      return ctx.ErrorAt(values, item_path, "expected a non-empty list of values");
    }
    std::vector<std::string>& texts = domains[name];
    for (size_t i = 0; i < values.size(); ++i) {
      BENCHD_ASSIGN_OR_RETURN(benchd::v1::ParamValue value, ctx.ReadParamValue(values[i], IndexPath(item_path, i)));
      std::string text = common::ParamValueToString(value);
      if (std::find(texts.begin(), texts.end(), text) != texts.end()) {
        return ctx.ErrorAt(values[i], IndexPath(item_path, i), "value '" + text + "' is listed twice");
      }
      texts.push_back(std::move(text));
    }
  }
  return domains;
}

// A platform no sweep can name (sweeps are checked against the same
// catalog) would leave the device idle for good: a typo is an error here.
absl::Status CheckPlatform(const YamlContext& ctx, const YAML::Node& node, const std::string& path,
                           const std::string& platform) {
  static const absl::StatusOr<common::PlatformCatalog> catalog = common::PlatformCatalog::Builtin();
  if (!catalog.ok()) return catalog.status();
  if (catalog->Find(platform) != nullptr) return absl::OkStatus();
  return ctx.ErrorAt(node, path,
                     fmt::format("unknown platform '{}' (known: {}; `custom` for any other device): no sweep could "
                                 "name it, so the device would get no work",
                                 platform, fmt::join(catalog->Names(), ", ")));
}

absl::StatusOr<DeviceConfig> ReadDevice(const YamlContext& ctx, const YAML::Node& node, const std::string& path) {
  BENCHD_RETURN_IF_ERROR(ctx.CheckMap(node, path, {"name", "driver", "platform", "labels", "options", "health_check",
                                                 "health_check_timeout", "domains", "power", "sensors"}));
  DeviceConfig device;
  for (const char* required : {"name", "driver", "platform"}) {
    if (!node[required]) return ctx.ErrorAt(node, JoinPath(path, required), "missing");
  }
  BENCHD_ASSIGN_OR_RETURN(device.name, ctx.ReadString(node["name"], JoinPath(path, "name")));
  BENCHD_ASSIGN_OR_RETURN(device.driver, ctx.ReadString(node["driver"], JoinPath(path, "driver")));
  BENCHD_ASSIGN_OR_RETURN(device.platform, ctx.ReadString(node["platform"], JoinPath(path, "platform")));
  if (node["labels"]) {
    BENCHD_ASSIGN_OR_RETURN(device.labels, ReadStringMap(ctx, node["labels"], JoinPath(path, "labels")));
  }
  if (node["options"]) {
    BENCHD_ASSIGN_OR_RETURN(device.options, ReadStringMap(ctx, node["options"], JoinPath(path, "options")));
  }
  if (node["health_check"]) {
    BENCHD_ASSIGN_OR_RETURN(device.health_check, ReadArgv(ctx, node["health_check"], JoinPath(path, "health_check")));
  }
  if (node["health_check_timeout"]) {
    const std::string timeout_path = JoinPath(path, "health_check_timeout");
    BENCHD_ASSIGN_OR_RETURN(device.health_check_timeout, ctx.ReadDuration(node["health_check_timeout"], timeout_path));
    if (device.health_check_timeout <= std::chrono::milliseconds::zero()) {
      return ctx.ErrorAt(node["health_check_timeout"], timeout_path, "expected a positive duration");
    }
  }
  if (node["domains"]) {
    BENCHD_ASSIGN_OR_RETURN(device.domains, ReadDomains(ctx, node["domains"], JoinPath(path, "domains")));
  }
  if (node["sensors"]) {
    BENCHD_ASSIGN_OR_RETURN(device.sensors, ReadStringMap(ctx, node["sensors"], JoinPath(path, "sensors")));
  }
  if (node["power"]) {
    BENCHD_ASSIGN_OR_RETURN(device.power, power::ReadPowerSources(ctx, node["power"], JoinPath(path, "power")));
  }
  BENCHD_RETURN_IF_ERROR(CheckPlatform(ctx, node["platform"], JoinPath(path, "platform"), device.platform));
  return device;
}

std::string DefaultAgentName() {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') return "bench-agent";
  return host;
}

}  // namespace

absl::StatusOr<AgentConfig> ParseAgentConfig(const std::string& text, const std::string& file_name) {
  YamlContext ctx(file_name);
  BENCHD_ASSIGN_OR_RETURN(YAML::Node root, ctx.Parse(text));
  BENCHD_RETURN_IF_ERROR(ctx.CheckMap(root, "", {"agent", "devices"}));
  AgentConfig config;
  config.name = DefaultAgentName();
  if (const YAML::Node agent = root["agent"]) {
    BENCHD_RETURN_IF_ERROR(ctx.CheckMap(agent, "agent", {"name", "coordinator", "spool_dir", "work_dir", "log_level",
                                                         "reconnect_initial", "reconnect_max"}));
    if (agent["name"]) {
      BENCHD_ASSIGN_OR_RETURN(config.name, ctx.ReadString(agent["name"], "agent.name"));
    }
    if (agent["coordinator"]) {
      BENCHD_ASSIGN_OR_RETURN(config.coordinator, ctx.ReadString(agent["coordinator"], "agent.coordinator"));
    }
    if (agent["spool_dir"]) {
      BENCHD_ASSIGN_OR_RETURN(config.spool_dir, ctx.ReadString(agent["spool_dir"], "agent.spool_dir"));
    }
    if (agent["work_dir"]) {
      BENCHD_ASSIGN_OR_RETURN(config.work_dir, ctx.ReadString(agent["work_dir"], "agent.work_dir"));
    }
    if (agent["log_level"]) {
      BENCHD_ASSIGN_OR_RETURN(config.log_level, ctx.ReadString(agent["log_level"], "agent.log_level"));
    }
    if (agent["reconnect_initial"]) {
      BENCHD_ASSIGN_OR_RETURN(config.reconnect_initial,
                              ctx.ReadDuration(agent["reconnect_initial"], "agent.reconnect_initial"));
    }
    if (agent["reconnect_max"]) {
      BENCHD_ASSIGN_OR_RETURN(config.reconnect_max, ctx.ReadDuration(agent["reconnect_max"], "agent.reconnect_max"));
    }
  }
  const YAML::Node devices = root["devices"];
  if (!devices || !devices.IsSequence() || devices.size() == 0) {
    return ctx.ErrorAt(devices ? devices : root, "devices", "expected a non-empty list of devices");
  }
  std::set<std::string> names;
  for (size_t i = 0; i < devices.size(); ++i) {
    const std::string path = IndexPath("devices", i);
    BENCHD_ASSIGN_OR_RETURN(DeviceConfig device, ReadDevice(ctx, devices[i], path));
    if (!names.insert(device.name).second) {
      return ctx.ErrorAt(devices[i]["name"], JoinPath(path, "name"), "device name '" + device.name + "' is used twice");
    }
    config.devices.push_back(std::move(device));
  }
  return config;
}

absl::StatusOr<AgentConfig> LoadAgentConfig(const std::string& path) {
  BENCHD_ASSIGN_OR_RETURN(std::string text, common::ReadTextFile(path, 1 << 20));
  return ParseAgentConfig(text, path);
}

}  // namespace benchd::agent
