#include "daemon/core/sweep_submission.h"

#include "common/status_util.h"
#include "common/sweep/sweep_expander.h"
#include "common/sweep/sweep_parser.h"

namespace benchd::daemon {

absl::StatusOr<NewSweep> PlanSweep(const std::string& yaml, const std::string& file_name,
                                   const common::PlatformCatalog& catalog) {
  BENCHD_ASSIGN_OR_RETURN(common::SweepSpec spec, common::ParseSweep(yaml, file_name));
  BENCHD_ASSIGN_OR_RETURN(common::Expansion expansion, common::ExpandSweep(spec, catalog));
  std::vector<common::SweepPoint>& points = expansion.points;
  NewSweep sweep;
  sweep.name = spec.name;
  sweep.yaml = yaml;
  sweep.experiments.reserve(points.size());
  for (size_t i = 0; i < points.size(); ++i) {
    const common::RunSpec run = spec.RunFor(points[i].platform);
    NewExperiment experiment;
    experiment.ordinal = static_cast<int>(i);
    experiment.platform = points[i].platform;
    experiment.parameters = std::move(points[i].parameters);
    experiment.settings.set_warmup(run.warmup);
    experiment.settings.set_iterations(run.iterations);
    experiment.settings.set_repeats(run.repeats);
    experiment.settings.set_timeout_ms(run.timeout.count());
    experiment.settings.set_min_duration_ms(run.min_duration.count());
    experiment.max_attempts = 1 + run.retries;
    experiment.config_key = std::move(points[i].config_key);
    sweep.experiments.push_back(std::move(experiment));
  }
  return sweep;
}

}  // namespace benchd::daemon
