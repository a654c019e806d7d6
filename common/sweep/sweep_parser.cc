#include "common/sweep/sweep_parser.h"

#include <set>

#include "common/platform_catalog.h"
#include "common/status_util.h"
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
    BENCHD_RETURN_IF_ERROR(
        ctx_.CheckMap(root, "", {"name", "description", "platform", "model", "matrix", "exclude", "run"}));
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
    if (root["exclude"]) BENCHD_RETURN_IF_ERROR(ParseExclude(root["exclude"]));
    if (root["run"]) BENCHD_RETURN_IF_ERROR(ParseRun(root["run"]));
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

  absl::Status ParseMatrix(const YAML::Node& node) {
    if (!node.IsMap()) return ctx_.ErrorAt(node, "matrix", "expected a map of parameter name to list of values");
    for (const auto& item : node) {
      Axis axis;
      axis.name = item.first.Scalar();
      axis.where = LocationOf(item.first);
      const std::string path = JoinPath("matrix", axis.name);
      if (axis.name.empty()) return ctx_.ErrorAt(item.first, path, "empty parameter name");
      if (!names_.insert(axis.name).second) {
        return ctx_.ErrorAt(item.first, path, fmt::format("parameter '{}' is set twice", axis.name));
      }
      const YAML::Node& values = item.second;
      if (!values.IsSequence()) {
        return ctx_.ErrorAt(values, path, "expected a list of values, e.g. [1, 8, 64]");
      }
      if (values.size() == 0) return ctx_.ErrorAt(values, path, "empty list: an axis needs at least one value");
      for (size_t i = 0; i < values.size(); ++i) {
        const std::string value_path = IndexPath(path, i);
        BENCHD_ASSIGN_OR_RETURN(auto value, ctx_.ReadParamValue(values[i], value_path));
        for (const AxisValue& seen : axis.values) {
          if (ParamValuesEqual(seen.value, value)) {
            return ctx_.ErrorAt(values[i], value_path, fmt::format("duplicate value '{}'", values[i].Scalar()));
          }
        }
        axis.values.push_back({std::move(value), LocationOf(values[i])});
      }
      spec_.matrix.push_back(std::move(axis));
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

  absl::Status ParseRun(const YAML::Node& node) {
    BENCHD_RETURN_IF_ERROR(ctx_.CheckMap(node, "run", {"warmup", "iterations", "repeats", "timeout", "retries"}));
    RunSpec& run = spec_.run;
    if (node["warmup"]) {
      BENCHD_ASSIGN_OR_RETURN(run.warmup, ctx_.ReadInt(node["warmup"], "run.warmup", 0, 1'000'000));
    }
    if (node["iterations"]) {
      BENCHD_ASSIGN_OR_RETURN(run.iterations, ctx_.ReadInt(node["iterations"], "run.iterations", 1, 10'000'000));
    }
    if (node["repeats"]) {
      BENCHD_ASSIGN_OR_RETURN(run.repeats, ctx_.ReadInt(node["repeats"], "run.repeats", 1, 1000));
    }
    if (node["retries"]) {
      BENCHD_ASSIGN_OR_RETURN(run.retries, ctx_.ReadInt(node["retries"], "run.retries", 0, 100));
    }
    if (node["timeout"]) {
      BENCHD_ASSIGN_OR_RETURN(run.timeout, ctx_.ReadDuration(node["timeout"], "run.timeout"));
      if (run.timeout.count() <= 0) return ctx_.ErrorAt(node["timeout"], "run.timeout", "must be positive");
    }
    return absl::OkStatus();
  }

  YamlContext ctx_;
  SweepSpec spec_;
  std::set<std::string> names_;
};

}  // namespace

absl::StatusOr<SweepSpec> ParseSweep(std::string_view text, const std::string& file_name) {
  SweepParser parser(file_name);
  return parser.Parse(text);
}

}  // namespace benchd::common
