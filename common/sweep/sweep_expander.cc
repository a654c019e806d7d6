#include "common/sweep/sweep_expander.h"

#include <algorithm>
#include <set>
#include <unordered_map>

#include "common/proto_json.h"
#include "common/sweep/matrix_expander.h"
#include "common/sweep/where_expr.h"
#include "spdlog/fmt/fmt.h"

namespace benchd::common {
namespace {

absl::Status ErrorAt(const SweepSpec& spec, const SourceLocation& where, const std::string& path,
                     const std::string& message) {
  return absl::InvalidArgumentError(
      fmt::format("{}:{}:{}: {}: {}", spec.file_name, where.line, where.column, path, message));
}

// One dimension of the product: a matrix axis, or a zip group whose i-th
// choice sets all its axes' i-th values.
struct Dimension {
  std::vector<const Axis*> axes;
  size_t size() const { return axes.front()->values.size(); }
};

// Where a value of a point came from, for error messages. Found by search
// when an error is reported, so that expansion keeps no per-point map.
struct Origin {
  std::string path;
  SourceLocation where;
};

Origin FindOrigin(const SweepSpec& spec, const std::string& name, const benchd::v1::ParamValue& value) {
  for (const FixedParam& fixed : spec.fixed) {
    if (fixed.name == name) return {name, fixed.value.where};
  }
  auto in_axis = [&](const Axis& axis, const std::string& parent) -> std::optional<Origin> {
    if (axis.name != name) return std::nullopt;
    for (size_t i = 0; i < axis.values.size(); ++i) {
      if (ParamValuesEqual(axis.values[i].value, value)) {
        return Origin{fmt::format("{}.{}[{}]", parent, name, i), axis.values[i].where};
      }
    }
    return Origin{parent + "." + name, axis.where};
  };
  for (const Axis& axis : spec.matrix) {
    if (auto origin = in_axis(axis, "matrix")) return *origin;
  }
  for (size_t g = 0; g < spec.zip.size(); ++g) {
    for (const Axis& axis : spec.zip[g].axes) {
      if (auto origin = in_axis(axis, fmt::format("zip[{}]", g))) return *origin;
    }
  }
  for (size_t i = 0; i < spec.include.size(); ++i) {
    for (const FixedParam& included : spec.include[i].values) {
      if (included.name == name && ParamValuesEqual(included.value.value, value)) {
        return {fmt::format("include[{}].{}", i, name), included.value.where};
      }
    }
  }
  return {name, {1, 1}};
}

// Key order and value types are part of the text, so equal points have
// equal text and 8 differs from "8".
std::string CanonicalText(const benchd::v1::Parameters& parameters) {
  std::vector<const std::string*> names;
  names.reserve(parameters.values().size());
  for (const auto& entry : parameters.values()) names.push_back(&entry.first);
  std::sort(names.begin(), names.end(), [](const std::string* a, const std::string* b) { return *a < *b; });
  std::string text;
  for (const std::string* name : names) AppendCanonicalText(text, *name, parameters.values().at(*name));
  return text;
}

bool MatchesAll(const std::vector<std::pair<std::string, benchd::v1::ParamValue>>& match,
                const benchd::v1::Parameters& parameters) {
  for (const auto& [name, value] : match) {
    const benchd::v1::ParamValue* actual = FindParam(parameters, name);
    if (actual == nullptr || !ParamValuesEqual(*actual, value)) return false;
  }
  return true;
}

// Applies the include rules (see IncludeRule) to the expanded points.
void ApplyIncludes(const SweepSpec& spec, const std::set<std::string>& original_names,
                   const benchd::v1::Parameters& base, std::vector<benchd::v1::Parameters>& points) {
  for (const IncludeRule& rule : spec.include) {
    std::vector<std::pair<std::string, benchd::v1::ParamValue>> selectors;
    std::vector<const FixedParam*> extras;
    for (const FixedParam& value : rule.values) {
      if (original_names.count(value.name)) {
        selectors.emplace_back(value.name, value.value.value);
      } else {
        extras.push_back(&value);
      }
    }
    bool applied = false;
    if (!extras.empty()) {
      for (auto& point : points) {
        if (!MatchesAll(selectors, point)) continue;
        for (const FixedParam* extra : extras) (*point.mutable_values())[extra->name] = extra->value.value;
        applied = true;
      }
    }
    if (!applied) {
      benchd::v1::Parameters point = base;
      for (const FixedParam& value : rule.values) (*point.mutable_values())[value.name] = value.value.value;
      points.push_back(std::move(point));
    }
  }
}

// Empty when the point may run on its platform, else the error.
absl::Status CheckAgainstCatalog(const SweepSpec& spec, const PlatformCatalog& catalog,
                                 const benchd::v1::Parameters& parameters, const PlatformSpec** platform_spec) {
  const benchd::v1::ParamValue* platform = FindParam(parameters, "platform");
  if (platform == nullptr) {
    return absl::InvalidArgumentError(fmt::format(
        "{}:1:1: platform: a point has no platform ({}); set `platform:` or add a `platform` axis", spec.file_name,
        DescribeParameters(parameters)));
  }
  const Origin platform_origin = FindOrigin(spec, "platform", *platform);
  if (!platform->has_string_value()) {
    return ErrorAt(spec, platform_origin.where, platform_origin.path, "a platform is a name, e.g. host-cpu");
  }
  *platform_spec = catalog.Find(platform->string_value());
  if (*platform_spec == nullptr) {
    std::string known;
    for (const auto& name : catalog.Names()) known += (known.empty() ? "" : ", ") + name;
    return ErrorAt(spec, platform_origin.where, platform_origin.path,
                   fmt::format("unknown platform '{}' (known: {})", platform->string_value(), known));
  }
  for (const auto& [name, domain] : (*platform_spec)->params) {
    const benchd::v1::ParamValue* value = FindParam(parameters, name);
    if (value == nullptr) continue;
    const std::string why = domain.Check(*value);
    if (why.empty()) continue;
    const Origin origin = FindOrigin(spec, name, *value);
    return ErrorAt(spec, origin.where, origin.path,
                   fmt::format("platform '{}' does not accept {} {} ({}); exclude the combination or remove the value",
                               (*platform_spec)->name, name, ParamValueToString(*value), why));
  }
  return absl::OkStatus();
}

}  // namespace

void AppendCanonicalText(std::string& text, const std::string& name, const benchd::v1::ParamValue& value) {
  // Integers and whole numbers are the same point (batch 8 == 8.0).
  const char tag = value.has_string_value() ? 's' : value.has_bool_value() ? 'b' : 'n';
  text += name;
  text += '=';
  text += tag;
  text += value.has_double_value() &&
                  value.double_value() == static_cast<double>(static_cast<int64_t>(value.double_value()))
              ? std::to_string(static_cast<int64_t>(value.double_value()))
              : ParamValueToString(value);
  text += ';';
}

std::string PointKey(const benchd::v1::Parameters& parameters) {
  return fmt::format("{:016x}", Fnv1a64(kFnv1aBasis, CanonicalText(parameters)));
}

absl::StatusOr<Expansion> ExpandSweep(const SweepSpec& spec, const PlatformCatalog& catalog,
                                      const ExpandOptions& options) {
  for (const RunOverride& o : spec.run_overrides) {
    if (catalog.Find(o.platform) == nullptr) {
      return ErrorAt(spec, o.where, "run.platforms." + o.platform, "unknown platform '" + o.platform + "'");
    }
  }
  if (std::optional<Expansion> fast = TryExpandMatrix(spec, catalog, options)) return *std::move(fast);
  benchd::v1::Parameters base;
  std::set<std::string> original_names;
  for (const FixedParam& fixed : spec.fixed) {
    (*base.mutable_values())[fixed.name] = fixed.value.value;
    original_names.insert(fixed.name);
  }
  std::vector<Dimension> dimensions;
  for (const Axis& axis : spec.matrix) dimensions.push_back({{&axis}});
  for (const ZipGroup& group : spec.zip) {
    Dimension dimension;
    for (const Axis& axis : group.axes) dimension.axes.push_back(&axis);
    dimensions.push_back(std::move(dimension));
  }
  size_t product = 1;
  for (const Dimension& dimension : dimensions) {
    for (const Axis* axis : dimension.axes) original_names.insert(axis->name);
    if (product > options.max_points / dimension.size()) {
      return ErrorAt(spec, dimension.axes.front()->where, dimension.axes.front()->name,
                     fmt::format("the design space has more than {} points; split the sweep or raise the cap",
                                 options.max_points));
    }
    product *= dimension.size();
  }
  // With no axes, a sweep of includes is just its includes.
  if (dimensions.empty() && !spec.include.empty()) product = 0;

  std::vector<benchd::v1::Parameters> candidates;
  candidates.reserve(product);
  std::vector<size_t> index(dimensions.size(), 0);
  for (size_t n = 0; n < product; ++n) {
    benchd::v1::Parameters parameters = base;
    auto& values = *parameters.mutable_values();
    for (size_t d = 0; d < dimensions.size(); ++d) {
      for (const Axis* axis : dimensions[d].axes) {
        const benchd::v1::ParamValue& value = axis->values[index[d]].value;
        if (value.kind_case() != benchd::v1::ParamValue::KIND_NOT_SET) values[axis->name] = value;
      }
    }
    // Odometer: the last dimension varies fastest.
    for (size_t d = dimensions.size(); d-- > 0;) {
      if (++index[d] < dimensions[d].size()) break;
      index[d] = 0;
    }
    bool excluded = false;
    for (const ExcludeRule& rule : spec.exclude) excluded = excluded || MatchesAll(rule.match, parameters);
    if (!excluded) candidates.push_back(std::move(parameters));
  }
  ApplyIncludes(spec, original_names, base, candidates);
  if (candidates.size() > options.max_points) {
    return absl::InvalidArgumentError(fmt::format("{}: the sweep has more than {} points", spec.file_name,
                                                  options.max_points));
  }

  Expansion expansion;
  expansion.points.reserve(candidates.size());
  std::unordered_map<uint64_t, std::vector<size_t>> seen;
  for (auto& parameters : candidates) {
    bool kept = true;
    for (const WhereClause& clause : spec.where) {
      absl::StatusOr<bool> holds = clause.expr->Holds(parameters);
      if (!holds.ok()) {
        return ErrorAt(spec, clause.where, "where",
                       fmt::format("{} for point {}", std::string(holds.status().message()), DescribeParameters(parameters)));
      }
      kept = kept && *holds;
      if (!kept) break;
    }
    if (!kept) continue;
    const PlatformSpec* platform = nullptr;
    if (absl::Status valid = CheckAgainstCatalog(spec, catalog, parameters, &platform); !valid.ok()) {
      // A point with no platform at all is a mistake in the file, never pruned.
      if (!options.prune_invalid || FindParam(parameters, "platform") == nullptr) return valid;
      expansion.dropped.push_back({std::move(parameters), std::string(valid.message())});
      continue;
    }
    const std::string canonical = CanonicalText(parameters);
    const uint64_t hash = Fnv1a64(kFnv1aBasis, canonical);
    auto& same_hash = seen[hash];
    for (size_t other : same_hash) {
      if (CanonicalText(expansion.points[other].parameters) == canonical) {
        return absl::InvalidArgumentError(fmt::format("{}: duplicate point {} (check include: and zip:)",
                                                      spec.file_name, DescribeParameters(parameters)));
      }
    }
    same_hash.push_back(expansion.points.size());
    SweepPoint point;
    point.platform = platform->name;
    point.point_key = fmt::format("{:016x}", hash);
    point.config_key = platform->ConfigKey(parameters);
    point.parameters = std::move(parameters);
    expansion.points.push_back(std::move(point));
  }
  if (expansion.points.empty()) {
    return absl::InvalidArgumentError(fmt::format(
        "{}: the sweep has no points left after exclude:, where:{}", spec.file_name,
        expansion.dropped.empty() ? "" : fmt::format(" and --prune-invalid ({} dropped)", expansion.dropped.size())));
  }
  return expansion;
}

}  // namespace benchd::common
