#pragma once

// What `benchctl plan` reports about a sweep, typed, so that one view renders
// as text for people or as one JSON object whose numbers stay numbers.
//
// Platforms appear in the order their first point appears in the expansion
// (which follows the file); configuration groups likewise within a platform.
//
// Pure functions; thread-safe.

#include <cstdint>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "benchd/v1/common.pb.h"

namespace benchd::cli {

struct PlanSamplePoint {
  std::string point_key;
  benchd::v1::Parameters parameters;
};

struct PlanConfigGroup {
  // PlatformSpec::ConfigKey: "" on a platform that never reconfigures.
  std::string config_key;
  int64_t points = 0;
};

struct PlanPlatform {
  std::string platform;
  int64_t points = 0;
  // The `run:` settings this platform's points get (overrides applied).
  int warmup = 0;
  int iterations = 0;
  int repeats = 0;
  int64_t min_duration_ms = 0;
  std::vector<PlanConfigGroup> config_groups;
  std::vector<PlanSamplePoint> sample;
  double device_ms = 0;
  // Points per estimate source name ("history", "qutibench", ...).
  std::map<std::string, int64_t> estimate_sources;
};

struct PlanDroppedPoint {
  benchd::v1::Parameters parameters;
  std::string reason;
};

struct PlanHistory {
  // Whether the coordinator was asked at all (there was nothing to ask when
  // no point has a topology).
  bool queried = false;
  std::string coordinator;
  int sweeps_read = 0;
  int64_t runs = 0;
  // Why the history is missing or partial; empty when complete.
  std::string note;
};

struct PlanView {
  std::string sweep_name;
  std::string file;
  int64_t total_points = 0;
  std::vector<PlanPlatform> platforms;
  // Set only with --prune-invalid; otherwise an invalid point is an error.
  bool prune_invalid = false;
  std::vector<PlanDroppedPoint> dropped;
  double device_ms = 0;
  // Milliseconds per iteration when no source knows a point.
  double default_iteration_ms = 0;
  PlanHistory history;
};

// Sections: summary line, per-platform table (points, configurations, run
// settings, device time, estimate sources), reconfiguration groups, sample
// points, dropped points (with --prune-invalid), estimate notes.
void RenderPlanText(const PlanView& view, std::ostream& out);

// One object: {"sweep", "file", "total_points", "device_time_ms",
// "platforms": [{"platform", "points", "run": {...}, "config_groups": [...],
// "sample": [{"point_key", "parameters"}], "device_time_ms",
// "estimate_sources": {...}}], "prune_invalid", "dropped": [{"parameters",
// "reason"}], "history": {...}, "default_iteration_ms"}.
void RenderPlanJson(const PlanView& view, std::ostream& out);

}  // namespace benchd::cli
