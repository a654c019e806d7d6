#include "common/sweep/sweep_expander.h"

#include <set>

#include "common/proto_json.h"
#include "spdlog/fmt/fmt.h"

namespace benchd::common {
namespace {

absl::Status ErrorAt(const SweepSpec& spec, const SourceLocation& where, const std::string& path,
                     const std::string& message) {
  return absl::InvalidArgumentError(
      fmt::format("{}:{}:{}: {}: {}", spec.file_name, where.line, where.column, path, message));
}

bool Matches(const ExcludeRule& rule, const benchd::v1::Parameters& parameters) {
  for (const auto& [name, value] : rule.match) {
    const benchd::v1::ParamValue* actual = FindParam(parameters, name);
    if (actual == nullptr || !ParamValuesEqual(*actual, value)) return false;
  }
  return true;
}

// Where a parameter of a point came from, for error messages.
struct Origin {
  std::string path;
  SourceLocation where;
};

absl::Status CheckAgainstCatalog(const SweepSpec& spec, const PlatformCatalog& catalog,
                                 const benchd::v1::Parameters& parameters,
                                 const std::map<std::string, Origin>& origins) {
  const benchd::v1::ParamValue* platform = FindParam(parameters, "platform");
  const Origin& platform_origin = origins.at("platform");
  if (!platform->has_string_value()) {
    return ErrorAt(spec, platform_origin.where, platform_origin.path, "a platform is a name, e.g. host-cpu");
  }
  const PlatformSpec* platform_spec = catalog.Find(platform->string_value());
  if (platform_spec == nullptr) {
    std::string known;
    for (const auto& name : catalog.Names()) known += (known.empty() ? "" : ", ") + name;
    return ErrorAt(spec, platform_origin.where, platform_origin.path,
                   fmt::format("unknown platform '{}' (known: {})", platform->string_value(), known));
  }
  for (const auto& [name, domain] : platform_spec->params) {
    const benchd::v1::ParamValue* value = FindParam(parameters, name);
    if (value == nullptr) continue;
    const std::string why = domain.Check(*value);
    if (why.empty()) continue;
    const Origin& origin = origins.at(name);
    return ErrorAt(spec, origin.where, origin.path,
                   fmt::format("platform '{}' does not accept {} {} ({}); exclude the combination or remove the value",
                               platform_spec->name, name, ParamValueToString(*value), why));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<SweepPoint>> ExpandSweep(const SweepSpec& spec, const PlatformCatalog& catalog,
                                                    const ExpandOptions& options) {
  std::map<std::string, Origin> origins;
  benchd::v1::Parameters base;
  for (const FixedParam& fixed : spec.fixed) {
    (*base.mutable_values())[fixed.name] = fixed.value.value;
    origins[fixed.name] = {fixed.name, fixed.value.where};
  }
  bool has_platform = origins.count("platform") > 0;
  size_t product = 1;
  for (const Axis& axis : spec.matrix) {
    has_platform = has_platform || axis.name == "platform";
    if (product > options.max_points / axis.values.size()) {
      return ErrorAt(spec, axis.where, "matrix." + axis.name,
                     fmt::format("the matrix has more than {} points; split the sweep or raise the cap",
                                 options.max_points));
    }
    product *= axis.values.size();
  }
  if (!has_platform) {
    return absl::InvalidArgumentError(
        fmt::format("{}:1:1: platform: missing; set `platform:` or add a `platform` matrix axis", spec.file_name));
  }

  std::vector<SweepPoint> points;
  points.reserve(product);
  std::set<std::string> seen;
  std::vector<size_t> index(spec.matrix.size(), 0);
  for (size_t n = 0; n < product; ++n) {
    benchd::v1::Parameters parameters = base;
    for (size_t a = 0; a < spec.matrix.size(); ++a) {
      const Axis& axis = spec.matrix[a];
      const AxisValue& chosen = axis.values[index[a]];
      (*parameters.mutable_values())[axis.name] = chosen.value;
      origins[axis.name] = {fmt::format("matrix.{}[{}]", axis.name, index[a]), chosen.where};
    }
    // Odometer: the last axis varies fastest.
    for (size_t a = spec.matrix.size(); a-- > 0;) {
      if (++index[a] < spec.matrix[a].values.size()) break;
      index[a] = 0;
    }
    bool excluded = false;
    for (const ExcludeRule& rule : spec.exclude) excluded = excluded || Matches(rule, parameters);
    if (excluded) continue;
    absl::Status valid = CheckAgainstCatalog(spec, catalog, parameters, origins);
    if (!valid.ok()) return valid;
    // Parameters are a map, so the JSON text is canonical (keys sorted).
    if (!seen.insert(ParametersToJson(parameters).dump()).second) {
      return absl::InvalidArgumentError(fmt::format("{}: duplicate point {}", spec.file_name,
                                                    ParametersToJson(parameters).dump()));
    }
    SweepPoint point;
    point.platform = FindParam(parameters, "platform")->string_value();
    point.parameters = std::move(parameters);
    points.push_back(std::move(point));
  }
  if (points.empty()) {
    return absl::InvalidArgumentError(
        fmt::format("{}: the sweep has no points left after `exclude:`", spec.file_name));
  }
  return points;
}

}  // namespace benchd::common
