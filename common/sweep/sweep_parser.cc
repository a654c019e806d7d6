#include "common/sweep/sweep_parser.h"

#include <set>
#include <string>

#include "common/platform_catalog.h"
#include "common/status_util.h"
#include "common/sweep/where_expr.h"
#include "common/yaml_reader.h"
#include "spdlog/fmt/fmt.h"

namespace benchd::common {
namespace {

SourceLocation LocationOf(const YAML::Node& node) {
  const YAML::Mark mark = node.Mark();
  if (mark.is_null()) return {};
  return {mark.line + 1, mark.column + 1};
}

class SweepParser {
 public:
  explicit SweepParser(const std::string& file_name) : ctx_(file_name) { spec_.file_name = file_name; }

  absl::StatusOr<SweepSpec> Parse(std::string_view text) {
    YamlLimits limits;
    limits.max_bytes = kMaxSweepFileBytes;
    BENCHD_ASSIGN_OR_RETURN(YAML::Node root, ctx_.Parse(text, limits));
    if (!root.IsMap()) return ctx_.ErrorAt(root, "", "a sweep file must be a map (name:, matrix:, ...)");
    BENCHD_RETURN_IF_ERROR(ctx_.CheckMap(root, "",
                                         {"name", "description", "platform", "model", "matrix", "zip", "exclude",
                                          "include", "where", "run", "power", "requires", "priority"}));
    if (!root["name"]) return ctx_.ErrorAt(root, "name", "missing; every sweep needs a name");
    BENCHD_ASSIGN_OR_RETURN(spec_.name, ctx_.ReadString(root["name"], "name"));
    if (spec_.name.empty() || spec_.name.size() > 200) {
      return ctx_.ErrorAt(root["name"], "name", "must be 1 to 200 characters");
    }
    if (root["description"]) {
      BENCHD_ASSIGN_OR_RETURN(spec_.description, ctx_.ReadString(root["description"], "description"));
    }
    if (root["platform"]) BENCHD_RETURN_IF_ERROR(AddFixed("platform", root["platform"], "platform"));
    if (root["model"]) BENCHD_RETURN_IF_ERROR(ParseModel(root["model"]));
    if (root["matrix"]) BENCHD_RETURN_IF_ERROR(ParseMatrix(root["matrix"]));
    if (root["zip"]) BENCHD_RETURN_IF_ERROR(ParseZip(root["zip"]));
    if (root["exclude"]) BENCHD_RETURN_IF_ERROR(ParseExclude(root["exclude"]));
    if (root["include"]) BENCHD_RETURN_IF_ERROR(ParseInclude(root["include"]));
    if (root["where"]) BENCHD_RETURN_IF_ERROR(ParseWhere(root["where"]));
    if (root["run"]) BENCHD_RETURN_IF_ERROR(ParseRun(root["run"]));
    if (root["power"]) BENCHD_RETURN_IF_ERROR(ParsePower(root["power"]));
    if (root["requires"]) BENCHD_RETURN_IF_ERROR(ParseRequires(root["requires"]));
    if (root["priority"]) {
      BENCHD_ASSIGN_OR_RETURN(spec_.priority, ctx_.ReadInt(root["priority"], "priority", -1000, 1000));
    }
    return std::move(spec_);
  }

 private:
  absl::Status AddFixed(const std::string& name, const YAML::Node& node, const std::string& path) {
    if (!names_.insert(name).second) return ctx_.ErrorAt(node, path, fmt::format("parameter '{}' is set twice", name));
    BENCHD_ASSIGN_OR_RETURN(auto value, ctx_.ReadParamValue(node, path));
    spec_.fixed.push_back({name, {std::move(value), LocationOf(node)}});
    return absl::OkStatus();
  }

  absl::Status ParseModel(const YAML::Node& node) {
    BENCHD_RETURN_IF_ERROR(ctx_.CheckMap(node, "model", {"topology", "dataset"}));
    if (!node["topology"]) return ctx_.ErrorAt(node, "model.topology", "missing; name the network, e.g. MLP");
    BENCHD_RETURN_IF_ERROR(AddFixed("topology", node["topology"], "model.topology"));
    if (node["dataset"]) BENCHD_RETURN_IF_ERROR(AddFixed("dataset", node["dataset"], "model.dataset"));
    return absl::OkStatus();
  }

  // Reads one axis (`name: [values]`) of the matrix or of a zip group.
  absl::StatusOr<Axis> ReadAxis(const YAML::Node& key, const YAML::Node& values, const std::string& parent,
                                bool in_zip) {
    Axis axis;
    axis.name = key.Scalar();
    axis.where = LocationOf(key);
    const std::string path = JoinPath(parent, axis.name);
    if (axis.name.empty()) return ctx_.ErrorAt(key, path, "empty parameter name");
    if (!names_.insert(axis.name).second) {
      return ctx_.ErrorAt(key, path, fmt::format("parameter '{}' is set twice", axis.name));
    }
    if (!values.IsSequence()) return ctx_.ErrorAt(values, path, "expected a list of values, e.g. [1, 8, 64]");
    if (values.size() == 0) return ctx_.ErrorAt(values, path, "empty list: an axis needs at least one value");
    for (size_t i = 0; i < values.size(); ++i) {
      const std::string value_path = IndexPath(path, i);
      // In a zip group, null means "this choice has no such parameter" (a
      // power mode only for the platform that has one).
      if (in_zip && values[i].IsNull()) {
        axis.values.push_back({benchd::v1::ParamValue(), LocationOf(values[i])});
        continue;
      }
      BENCHD_ASSIGN_OR_RETURN(auto value, ctx_.ReadParamValue(values[i], value_path));
      for (const AxisValue& seen : axis.values) {
        if (!in_zip && ParamValuesEqual(seen.value, value)) {
          return ctx_.ErrorAt(values[i], value_path, fmt::format("duplicate value '{}'", values[i].Scalar()));
        }
      }
      axis.values.push_back({std::move(value), LocationOf(values[i])});
    }
    return axis;
  }

  absl::Status ParseMatrix(const YAML::Node& node) {
    if (!node.IsMap()) return ctx_.ErrorAt(node, "matrix", "expected a map of parameter name to list of values");
    for (const auto& item : node) {
      BENCHD_ASSIGN_OR_RETURN(Axis axis, ReadAxis(item.first, item.second, "matrix", false));
      spec_.matrix.push_back(std::move(axis));
    }
    return absl::OkStatus();
  }

  absl::Status ParseZip(const YAML::Node& node) {
    if (!node.IsSequence()) {
      return ctx_.ErrorAt(node, "zip", "expected a list of groups, e.g. [{weights: [int8, float32], activations: [int8, float32]}]");
    }
    for (size_t g = 0; g < node.size(); ++g) {
      const std::string path = IndexPath("zip", g);
      const YAML::Node& group_node = node[g];
      if (!group_node.IsMap() || group_node.size() == 0) {
        return ctx_.ErrorAt(group_node, path, "expected a map of parameter name to list of values");
      }
      ZipGroup group;
      group.where = LocationOf(group_node);
      for (const auto& item : group_node) {
        // Zipped values may repeat (int8 weights with int8 or int16 activations).
        BENCHD_ASSIGN_OR_RETURN(Axis axis, ReadAxis(item.first, item.second, path, true));
        if (!group.axes.empty() && axis.values.size() != group.axes.front().values.size()) {
          return ctx_.ErrorAt(item.second, JoinPath(path, axis.name),
                              fmt::format("has {} values but '{}' has {}; zipped axes must be equally long",
                                          axis.values.size(), group.axes.front().name,
                                          group.axes.front().values.size()));
        }
        group.axes.push_back(std::move(axis));
      }
      spec_.zip.push_back(std::move(group));
    }
    return absl::OkStatus();
  }

  absl::Status ParseInclude(const YAML::Node& node) {
    if (!node.IsSequence()) return ctx_.ErrorAt(node, "include", "expected a list of points or partial points");
    for (size_t i = 0; i < node.size(); ++i) {
      const std::string path = IndexPath("include", i);
      const YAML::Node& entry = node[i];
      if (!entry.IsMap() || entry.size() == 0) {
        return ctx_.ErrorAt(entry, path, "expected a map of parameter values, e.g. {platform: edgetpu, clock: fast}");
      }
      IncludeRule rule;
      rule.where = LocationOf(entry);
      for (const auto& item : entry) {
        const std::string name = item.first.Scalar();
        BENCHD_ASSIGN_OR_RETURN(auto value, ctx_.ReadParamValue(item.second, JoinPath(path, name)));
        rule.values.push_back({name, {std::move(value), LocationOf(item.second)}});
      }
      spec_.include.push_back(std::move(rule));
    }
    return absl::OkStatus();
  }

  absl::Status ParseWhere(const YAML::Node& node) {
    // One expression, or a list of them that must all hold.
    std::vector<std::pair<YAML::Node, std::string>> clauses;
    if (node.IsScalar()) {
      clauses.emplace_back(node, "where");
    } else if (node.IsSequence()) {
      for (size_t i = 0; i < node.size(); ++i) clauses.emplace_back(node[i], IndexPath("where", i));
    } else {
      return ctx_.ErrorAt(node, "where", "expected an expression or a list of expressions");
    }
    for (const auto& [clause_node, path] : clauses) {
      BENCHD_ASSIGN_OR_RETURN(std::string text, ctx_.ReadString(clause_node, path));
      auto expr = WhereExpr::Parse(text);
      if (!expr.ok()) return ctx_.ErrorAt(clause_node, path, std::string(expr.status().message()));
      spec_.where.push_back({text, LocationOf(clause_node), *expr});
    }
    return absl::OkStatus();
  }

  absl::Status ParsePower(const YAML::Node& node) {
    BENCHD_RETURN_IF_ERROR(ctx_.CheckMap(node, "power", {"sample_hz", "idle", "base"}));
    if (node["sample_hz"]) {
      BENCHD_ASSIGN_OR_RETURN(spec_.power.sample_hz, ctx_.ReadInt(node["sample_hz"], "power.sample_hz", 1, 100'000));
    }
    if (node["idle"]) {
      BENCHD_ASSIGN_OR_RETURN(spec_.power.idle, ctx_.ReadDuration(node["idle"], "power.idle"));
    }
    if (node["base"]) {
      BENCHD_ASSIGN_OR_RETURN(spec_.power.base, ctx_.ReadDuration(node["base"], "power.base"));
    }
    return absl::OkStatus();
  }

  absl::Status ParseRequires(const YAML::Node& node) {
    if (!node.IsMap()) return ctx_.ErrorAt(node, "requires", "expected a map of device label to value, e.g. {lab: b1}");
    for (const auto& item : node) {
      const std::string label = item.first.Scalar();
      BENCHD_ASSIGN_OR_RETURN(spec_.requires_labels[label], ctx_.ReadString(item.second, JoinPath("requires", label)));
    }
    return absl::OkStatus();
  }

  absl::Status ParseExclude(const YAML::Node& node) {
    if (!node.IsSequence()) return ctx_.ErrorAt(node, "exclude", "expected a list of partial points");
    for (size_t i = 0; i < node.size(); ++i) {
      const std::string path = IndexPath("exclude", i);
      const YAML::Node& entry = node[i];
      if (!entry.IsMap() || entry.size() == 0) {
        return ctx_.ErrorAt(entry, path, "expected a map of parameter values, e.g. {precision: INT8, batch: 1}");
      }
      ExcludeRule rule;
      rule.where = LocationOf(entry);
      for (const auto& item : entry) {
        const std::string name = item.first.Scalar();
        if (!names_.count(name)) {
          return ctx_.ErrorAt(item.first, JoinPath(path, name),
                              fmt::format("unknown parameter '{}': not a matrix axis or fixed parameter", name));
        }
        BENCHD_ASSIGN_OR_RETURN(auto value, ctx_.ReadParamValue(item.second, JoinPath(path, name)));
        rule.match.emplace_back(name, std::move(value));
      }
      spec_.exclude.push_back(std::move(rule));
    }
    return absl::OkStatus();
  }

  // Reads the run settings present in `node` into `run` (used for `run:`
  // and for each of its per-platform overrides).
  absl::Status ReadRunFields(const YAML::Node& node, const std::string& path, RunOverride& run) {
    if (node["warmup"]) {
      BENCHD_ASSIGN_OR_RETURN(run.warmup, ctx_.ReadInt(node["warmup"], JoinPath(path, "warmup"), 0, 1'000'000));
    }
    if (node["iterations"]) {
      BENCHD_ASSIGN_OR_RETURN(run.iterations,
                              ctx_.ReadInt(node["iterations"], JoinPath(path, "iterations"), 1, 10'000'000));
    }
    if (node["repeats"]) {
      BENCHD_ASSIGN_OR_RETURN(run.repeats, ctx_.ReadInt(node["repeats"], JoinPath(path, "repeats"), 1, 1000));
    }
    if (node["retries"]) {
      BENCHD_ASSIGN_OR_RETURN(run.retries, ctx_.ReadInt(node["retries"], JoinPath(path, "retries"), 0, 100));
    }
    if (node["min_duration"]) {
      BENCHD_ASSIGN_OR_RETURN(run.min_duration, ctx_.ReadDuration(node["min_duration"], JoinPath(path, "min_duration")));
    }
    if (node["ci_target"]) {
      BENCHD_ASSIGN_OR_RETURN(run.ci_target, ReadFraction(node["ci_target"], JoinPath(path, "ci_target")));
    }
    if (node["max_repeats"]) {
      BENCHD_ASSIGN_OR_RETURN(run.max_repeats,
                              ctx_.ReadInt(node["max_repeats"], JoinPath(path, "max_repeats"), 2, 1000));
    }
    if (node["timeout"]) {
      BENCHD_ASSIGN_OR_RETURN(run.timeout, ctx_.ReadDuration(node["timeout"], JoinPath(path, "timeout")));
      if (run.timeout->count() <= 0) return ctx_.ErrorAt(node["timeout"], JoinPath(path, "timeout"), "must be positive");
    }
    return absl::OkStatus();
  }

  // "1%" or 0.01: a relative target in (0, 0.5].
  absl::StatusOr<double> ReadFraction(const YAML::Node& node, const std::string& path) {
    if (!node.IsScalar()) return ctx_.ErrorAt(node, path, "expected a percentage such as 1% or a fraction such as 0.01");
    std::string text = node.Scalar();
    const bool percent = !text.empty() && text.back() == '%';
    if (percent) text.pop_back();
    double value = 0;
    size_t used = 0;
    try {
      value = std::stod(text, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == 0 || used != text.size()) {
      return ctx_.ErrorAt(node, path, fmt::format("expected a percentage such as 1% or a fraction such as 0.01, got '{}'",
                                                  node.Scalar()));
    }
    if (percent) value /= 100;
    if (!(value > 0 && value <= 0.5)) {
      return ctx_.ErrorAt(node, path, fmt::format("'{}' is out of range: between 0% (exclusive) and 50%", node.Scalar()));
    }
    return value;
  }

  absl::Status ParseRun(const YAML::Node& node) {
    BENCHD_RETURN_IF_ERROR(ctx_.CheckMap(node, "run",
                                         {"warmup", "iterations", "min_duration", "repeats", "timeout", "retries",
                                          "ci_target", "max_repeats", "platforms"}));
    RunOverride fields;
    BENCHD_RETURN_IF_ERROR(ReadRunFields(node, "run", fields));
    RunSpec& run = spec_.run;
    run.warmup = fields.warmup.value_or(run.warmup);
    run.iterations = fields.iterations.value_or(run.iterations);
    run.min_duration = fields.min_duration.value_or(run.min_duration);
    run.repeats = fields.repeats.value_or(run.repeats);
    run.timeout = fields.timeout.value_or(run.timeout);
    run.retries = fields.retries.value_or(run.retries);
    run.ci_target = fields.ci_target.value_or(run.ci_target);
    run.max_repeats = fields.max_repeats.value_or(run.max_repeats);
    if (const YAML::Node platforms = node["platforms"]) {
      if (!platforms.IsMap()) {
        return ctx_.ErrorAt(platforms, "run.platforms", "expected a map of platform to run settings, e.g. {tx2: {iterations: 500}}");
      }
      for (const auto& item : platforms) {
        RunOverride override_spec;
        override_spec.platform = item.first.Scalar();
        override_spec.where = LocationOf(item.first);
        const std::string path = JoinPath("run.platforms", override_spec.platform);
        BENCHD_RETURN_IF_ERROR(ctx_.CheckMap(item.second, path,
                                             {"warmup", "iterations", "min_duration", "repeats", "timeout", "retries",
                                              "ci_target", "max_repeats"}));
        BENCHD_RETURN_IF_ERROR(ReadRunFields(item.second, path, override_spec));
        spec_.run_overrides.push_back(std::move(override_spec));
      }
    }
    return absl::OkStatus();
  }

  YamlContext ctx_;
  SweepSpec spec_;
  std::set<std::string> names_;
};

}  // namespace

RunSpec SweepSpec::RunFor(const std::string& platform) const {
  RunSpec result = run;
  for (const RunOverride& o : run_overrides) {
    if (o.platform != platform) continue;
    result.warmup = o.warmup.value_or(result.warmup);
    result.iterations = o.iterations.value_or(result.iterations);
    result.min_duration = o.min_duration.value_or(result.min_duration);
    result.repeats = o.repeats.value_or(result.repeats);
    result.timeout = o.timeout.value_or(result.timeout);
    result.retries = o.retries.value_or(result.retries);
    result.ci_target = o.ci_target.value_or(result.ci_target);
    result.max_repeats = o.max_repeats.value_or(result.max_repeats);
  }
  return result;
}

absl::StatusOr<SweepSpec> ParseSweep(std::string_view text, const std::string& file_name) {
  SweepParser parser(file_name);
  return parser.Parse(text);
}

}  // namespace benchd::common
