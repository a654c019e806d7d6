#pragma once

// The typed form of a sweep file, as the parser produces it. Locations are
// kept so that errors found later (while expanding against the platform
// catalog) can still point at the file.

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "benchd/v1/common.pb.h"

namespace benchd::common {

struct SourceLocation {
  int line = 0;  // 1-based; 0 when unknown
  int column = 0;
};

struct AxisValue {
  benchd::v1::ParamValue value;
  SourceLocation where;
};

// One `matrix:` axis: a parameter name and the values it takes.
struct Axis {
  std::string name;
  SourceLocation where;
  std::vector<AxisValue> values;
};

// A fixed parameter shared by every point (`platform:`, `model:`).
struct FixedParam {
  std::string name;
  AxisValue value;
};

// An `exclude:` entry: every point matching all of `match` is dropped.
struct ExcludeRule {
  SourceLocation where;
  std::vector<std::pair<std::string, benchd::v1::ParamValue>> match;
};

// A `zip:` group: axes of equal length that vary together (the i-th values
// form one choice) instead of being crossed. Values may repeat, and a null
// value (KIND_NOT_SET) leaves the parameter out of that choice.
struct ZipGroup {
  SourceLocation where;
  std::vector<Axis> axes;
};

// An `include:` entry. Keys that name existing parameters select the points
// it applies to; its other keys are added to those points. When it selects
// no point, or adds nothing, it is a point of its own (fixed parameters plus
// its keys).
struct IncludeRule {
  SourceLocation where;
  std::vector<FixedParam> values;
};

class WhereExpr;  // common/sweep/where_expr.h

// A `where:` constraint: a point is kept only if every expression holds.
struct WhereClause {
  std::string text;
  SourceLocation where;
  std::shared_ptr<const WhereExpr> expr;
};

// The `run:` section. Defaults are what a run gets when the file is silent.
struct RunSpec {
  int warmup = 10;
  int iterations = 100;
  // Timed iterations continue until at least this long has passed.
  std::chrono::milliseconds min_duration{0};
  int repeats = 1;
  std::chrono::milliseconds timeout{std::chrono::minutes(10)};
  // Further attempts after an infrastructure failure.
  int retries = 2;
  // Adaptive repeats (`ci_target: 1%`): repeat until the 95 % confidence
  // interval of the mean over repeats is within this fraction of the mean,
  // or `max_repeats` were made. 0: exactly `repeats`.
  double ci_target = 0;
  int max_repeats = 20;
};

// `run: {platforms: {tx2: {...}}}`: what one platform changes of `run:`.
struct RunOverride {
  std::string platform;
  SourceLocation where;
  std::optional<int> warmup;
  std::optional<int> iterations;
  std::optional<std::chrono::milliseconds> min_duration;
  std::optional<int> repeats;
  std::optional<std::chrono::milliseconds> timeout;
  std::optional<int> retries;
  std::optional<double> ci_target;
  std::optional<int> max_repeats;
};

// The `power:` section: how the agent samples power around a run.
struct PowerSpec {
  int sample_hz = 1000;
  std::chrono::milliseconds idle{std::chrono::seconds(5)};
  std::chrono::milliseconds base{0};
};

struct SweepSpec {
  std::string file_name;
  std::string name;
  std::string description;
  std::vector<FixedParam> fixed;
  std::vector<Axis> matrix;
  std::vector<ZipGroup> zip;
  std::vector<ExcludeRule> exclude;
  std::vector<IncludeRule> include;
  std::vector<WhereClause> where;
  RunSpec run;
  std::vector<RunOverride> run_overrides;
  PowerSpec power;
  // Device labels an experiment's device must carry.
  std::map<std::string, std::string> requires_labels;
  // Higher runs first.
  int priority = 0;

  // `run:` with the overrides of `platform` applied.
  RunSpec RunFor(const std::string& platform) const;
};

// One expanded point of the design space.
struct SweepPoint {
  std::string platform;
  // Empty when `parameters_json` is set (ExpandOptions::json_parameters).
  benchd::v1::Parameters parameters;
  // The parameters as a JSON object with sorted keys, when asked for.
  std::string parameters_json;
  // Stable identity: a digest of the canonical parameters, equal across
  // edits of the file for the same point.
  std::string point_key;
  // See PlatformSpec::ConfigKey.
  std::string config_key;
};

// A point removed by `--prune-invalid` instead of failing the sweep.
struct DroppedPoint {
  benchd::v1::Parameters parameters;
  std::string reason;  // "file:line:col: path: ..." as the error would have said
};

struct Expansion {
  std::vector<SweepPoint> points;
  std::vector<DroppedPoint> dropped;
};

}  // namespace benchd::common
