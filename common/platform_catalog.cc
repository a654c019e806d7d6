#include "common/platform_catalog.h"

#include <algorithm>

#include "common/proto_json.h"
#include "common/status_util.h"
#include "common/yaml_reader.h"
#include "spdlog/fmt/fmt.h"

namespace benchd::common {

extern const char kPlatformCatalogYaml[];

namespace {

std::optional<double> AsNumber(const benchd::v1::ParamValue& value) {
  if (value.has_int_value()) return static_cast<double>(value.int_value());
  if (value.has_double_value()) return value.double_value();
  return std::nullopt;
}

absl::StatusOr<ParamDomain> ReadDomain(const YamlContext& ctx, const YAML::Node& node,
                                       const std::string& path) {
  ParamDomain domain;
  if (node.IsSequence()) {
    for (size_t i = 0; i < node.size(); ++i) {
      BENCHD_ASSIGN_OR_RETURN(auto value, ctx.ReadParamValue(node[i], IndexPath(path, i)));
      domain.values.push_back(std::move(value));
    }
    if (domain.values.empty()) return ctx.ErrorAt(node, path, "empty list of values");
    return domain;
  }
  BENCHD_RETURN_IF_ERROR(ctx.CheckMap(node, path, {"type", "min", "max"}));
  BENCHD_ASSIGN_OR_RETURN(std::string type, ctx.ReadString(node["type"], JoinPath(path, "type")));
  if (type != "int") return ctx.ErrorAt(node["type"], JoinPath(path, "type"), "only 'int' ranges are supported");
  if (node["min"]) {
    BENCHD_ASSIGN_OR_RETURN(domain.min, ctx.ReadInt(node["min"], JoinPath(path, "min"), INT64_MIN, INT64_MAX));
  }
  if (node["max"]) {
    BENCHD_ASSIGN_OR_RETURN(domain.max, ctx.ReadInt(node["max"], JoinPath(path, "max"), INT64_MIN, INT64_MAX));
  }
  return domain;
}

}  // namespace

bool ParamValuesEqual(const benchd::v1::ParamValue& a, const benchd::v1::ParamValue& b) {
  auto na = AsNumber(a);
  auto nb = AsNumber(b);
  if (na && nb) return *na == *nb;
  if (a.kind_case() != b.kind_case()) return false;
  if (a.has_string_value()) return a.string_value() == b.string_value();
  if (a.has_bool_value()) return a.bool_value() == b.bool_value();
  return a.kind_case() == benchd::v1::ParamValue::KIND_NOT_SET;
}

std::string ParamDomain::Check(const benchd::v1::ParamValue& value) const {
  if (!values.empty()) {
    for (const auto& accepted : values) {
      if (ParamValuesEqual(accepted, value)) return "";
    }
    std::string list;
    for (const auto& accepted : values) list += (list.empty() ? "" : ", ") + ParamValueToString(accepted);
    return "accepted: " + list;
  }
  if (!value.has_int_value()) return "expected an integer";
  if (min && value.int_value() < *min) return fmt::format("minimum is {}", *min);
  if (max && value.int_value() > *max) return fmt::format("maximum is {}", *max);
  return "";
}

std::string PlatformSpec::ConfigKey(const benchd::v1::Parameters& parameters) const {
  std::vector<std::string> names = reconfigure;
  std::sort(names.begin(), names.end());
  std::string key;
  for (const std::string& name : names) {
    const benchd::v1::ParamValue* value = FindParam(parameters, name);
    if (value == nullptr) continue;
    key += (key.empty() ? "" : ";") + name + "=" + ParamValueToString(*value);
  }
  return key;
}

absl::StatusOr<PlatformCatalog> PlatformCatalog::Builtin() {
  return FromYaml(kPlatformCatalogYaml, "configs/platforms.yaml");
}

absl::StatusOr<PlatformCatalog> PlatformCatalog::FromYaml(const std::string& text,
                                                          const std::string& file_name) {
  YamlContext ctx(file_name);
  BENCHD_ASSIGN_OR_RETURN(YAML::Node root, ctx.Parse(text));
  BENCHD_RETURN_IF_ERROR(ctx.CheckMap(root, "", {"platforms"}));
  const YAML::Node platforms = root["platforms"];
  if (!platforms.IsMap()) return ctx.ErrorAt(platforms, "platforms", "expected a map of platforms");
  PlatformCatalog catalog;
  for (const auto& item : platforms) {
    PlatformSpec spec;
    spec.name = item.first.Scalar();
    const std::string path = JoinPath("platforms", spec.name);
    const YAML::Node& node = item.second;
    BENCHD_RETURN_IF_ERROR(ctx.CheckMap(node, path, {"description", "params", "reconfigure"}));
    if (node["description"]) {
      BENCHD_ASSIGN_OR_RETURN(spec.description, ctx.ReadString(node["description"], JoinPath(path, "description")));
    }
    if (node["params"]) {
      if (!node["params"].IsMap()) return ctx.ErrorAt(node["params"], JoinPath(path, "params"), "expected a map");
      for (const auto& param : node["params"]) {
        const std::string name = param.first.Scalar();
        BENCHD_ASSIGN_OR_RETURN(spec.params[name],
                                ReadDomain(ctx, param.second, JoinPath(JoinPath(path, "params"), name)));
      }
    }
    if (node["reconfigure"]) {
      const YAML::Node list = node["reconfigure"];
      if (!list.IsSequence()) return ctx.ErrorAt(list, JoinPath(path, "reconfigure"), "expected a list");
      for (size_t i = 0; i < list.size(); ++i) {
        BENCHD_ASSIGN_OR_RETURN(std::string name,
                                ctx.ReadString(list[i], IndexPath(JoinPath(path, "reconfigure"), i)));
        spec.reconfigure.push_back(std::move(name));
      }
    }
    catalog.platforms_[spec.name] = std::move(spec);
  }
  return catalog;
}

const PlatformSpec* PlatformCatalog::Find(const std::string& name) const {
  auto it = platforms_.find(name);
  return it == platforms_.end() ? nullptr : &it->second;
}

std::vector<std::string> PlatformCatalog::Names() const {
  std::vector<std::string> names;
  for (const auto& [name, spec] : platforms_) names.push_back(name);
  return names;
}

}  // namespace benchd::common
