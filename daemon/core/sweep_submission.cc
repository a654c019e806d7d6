#include "daemon/core/sweep_submission.h"

#include <algorithm>
#include <map>

#include "common/proto_json.h"
#include "common/status_util.h"
#include "common/sweep/sweep_expander.h"
#include "common/sweep/sweep_parser.h"
#include "spdlog/fmt/fmt.h"

namespace benchd::daemon {

absl::StatusOr<PlannedSweep> PlanSweep(const std::string& yaml, const std::string& file_name,
                                       const common::PlatformCatalog& catalog, const PlanOptions& options) {
  BENCHD_ASSIGN_OR_RETURN(common::SweepSpec spec, common::ParseSweep(yaml, file_name));
  common::ExpandOptions expand_options;
  expand_options.prune_invalid = options.prune_invalid;
  expand_options.max_points = options.max_points;
  expand_options.json_parameters = true;
  BENCHD_ASSIGN_OR_RETURN(common::Expansion expansion, common::ExpandSweep(spec, catalog, expand_options));

  PlannedSweep planned;
  for (const auto& dropped : expansion.dropped) {
    planned.dropped.push_back(common::DescribeParameters(dropped.parameters) + ": " + dropped.reason);
  }
  NewSweep& sweep = planned.sweep;
  sweep.name = spec.name;
  sweep.yaml = yaml;
  sweep.priority = spec.priority;
  sweep.resumed_from = options.resumed_from;
  sweep.experiments.reserve(expansion.points.size());
  // The run settings of each platform, built once rather than per point.
  struct PlatformRun {
    benchd::v1::RunSettings settings;
    int max_attempts = 1;
  };
  std::map<std::string, PlatformRun> runs;
  for (common::SweepPoint& point : expansion.points) {
    if (!options.measured_point_keys.empty() && options.measured_point_keys.count(point.point_key)) {
      ++planned.already_measured;
      continue;
    }
    auto [platform_run, added] = runs.try_emplace(point.platform);
    if (added) {
      const common::RunSpec run = spec.RunFor(point.platform);
      benchd::v1::RunSettings& settings = platform_run->second.settings;
      settings.set_warmup(run.warmup);
      settings.set_iterations(run.iterations);
      settings.set_repeats(run.repeats);
      settings.set_timeout_ms(run.timeout.count());
      settings.set_min_duration_ms(run.min_duration.count());
      if (run.ci_target > 0) {
        settings.set_ci_target(run.ci_target);
        settings.set_max_repeats(std::max(run.max_repeats, run.repeats));
      }
      settings.mutable_power()->set_sample_hz(spec.power.sample_hz);
      settings.mutable_power()->set_idle_ms(spec.power.idle.count());
      settings.mutable_power()->set_base_ms(spec.power.base.count());
      platform_run->second.max_attempts = 1 + run.retries;
    }
    NewExperiment experiment;
    // Ordinals stay dense in the stored sweep, so FIFO order is file order.
    experiment.ordinal = static_cast<int>(sweep.experiments.size());
    experiment.platform = std::move(point.platform);
    experiment.parameters = std::move(point.parameters);
    experiment.parameters_json = std::move(point.parameters_json);
    experiment.settings = platform_run->second.settings;
    experiment.max_attempts = platform_run->second.max_attempts;
    experiment.config_key = std::move(point.config_key);
    experiment.point_key = std::move(point.point_key);
    experiment.requires_labels = spec.requires_labels;
    sweep.experiments.push_back(std::move(experiment));
  }
  if (sweep.experiments.empty()) {
    return absl::FailedPreconditionError(fmt::format(
        "{}: nothing to run: all {} points already have a successful run in sweep {}", file_name,
        planned.already_measured, options.resumed_from));
  }
  return planned;
}

}  // namespace benchd::daemon
