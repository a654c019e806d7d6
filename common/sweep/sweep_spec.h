#pragma once

// The typed form of a sweep file, as the parser produces it. Locations are
// kept so that errors found later (while expanding against the platform
// catalog) can still point at the file.

#include <chrono>
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

// The `run:` section. Defaults are what a run gets when the file is silent.
struct RunSpec {
  int warmup = 10;
  int iterations = 100;
  int repeats = 1;
  std::chrono::milliseconds timeout{std::chrono::minutes(10)};
  // Further attempts after an infrastructure failure.
  int retries = 2;
};

struct SweepSpec {
  std::string file_name;
  std::string name;
  std::string description;
  std::vector<FixedParam> fixed;
  std::vector<Axis> matrix;
  std::vector<ExcludeRule> exclude;
  RunSpec run;
};

// One expanded point of the design space.
struct SweepPoint {
  std::string platform;
  benchd::v1::Parameters parameters;
};

}  // namespace benchd::common
