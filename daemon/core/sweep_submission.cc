#include "daemon/core/sweep_submission.h"

#include "common/status_util.h"
#include "common/sweep/sweep_expander.h"
#include "common/sweep/sweep_parser.h"

namespace benchd::daemon {

absl::StatusOr<NewSweep> PlanSweep(const std::string& yaml, const std::string& file_name,
                                   const common::PlatformCatalog& catalog) {
  BENCHD_ASSIGN_OR_RETURN(common::SweepSpec spec, common::ParseSweep(yaml, file_name));
  BENCHD_ASSIGN_OR_RETURN(std::vector<common::SweepPoint> points, common::ExpandSweep(spec, catalog));
  NewSweep sweep;
  sweep.name = spec.name;
  sweep.yaml = yaml;
  sweep.experiments.reserve(points.size());
  benchd::v1::RunSettings settings;
  settings.set_warmup(spec.run.warmup);
  settings.set_iterations(spec.run.iterations);
  settings.set_repeats(spec.run.repeats);
  settings.set_timeout_ms(spec.run.timeout.count());
  for (size_t i = 0; i < points.size(); ++i) {
    NewExperiment experiment;
    experiment.ordinal = static_cast<int>(i);
    experiment.platform = points[i].platform;
    experiment.parameters = std::move(points[i].parameters);
    experiment.settings = settings;
    experiment.max_attempts = 1 + spec.run.retries;
    // The expander checked every platform against the catalog.
    experiment.config_key = catalog.Find(experiment.platform)->ConfigKey(experiment.parameters);
    sweep.experiments.push_back(std::move(experiment));
  }
  return sweep;
}

}  // namespace benchd::daemon
