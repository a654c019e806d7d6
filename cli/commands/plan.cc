#include "cli/commands/plan.h"

#include <map>
#include <optional>
#include <set>
#include <tuple>
#include <unordered_map>
#include <utility>

#include "cli/commands/plan_estimate.h"
#include "cli/commands/submit.h"
#include "cli/output/plan_view.h"
#include "common/platform_catalog.h"
#include "common/status_util.h"
#include "common/sweep/sweep_expander.h"
#include "common/sweep/sweep_parser.h"

namespace benchd::cli {

namespace {

// Accumulates one platform's part of the view. Lookups go through indexes
// because a plan may hold a million points.
class PlatformTally {
 public:
  PlatformTally(std::string platform, const common::RunSpec& run) : run_(run) {
    entry_.platform = std::move(platform);
    entry_.warmup = run.warmup;
    entry_.iterations = run.iterations;
    entry_.repeats = run.repeats;
    entry_.min_duration_ms = run.min_duration.count();
  }

  void Add(const common::SweepPoint& point, const IterationEstimate& estimate, size_t sample_size) {
    ++entry_.points;
    auto [group, inserted] =
        group_index_.try_emplace(point.config_key, entry_.config_groups.size());
    if (inserted) entry_.config_groups.push_back({point.config_key, 0});
    ++entry_.config_groups[group->second].points;
    if (entry_.sample.size() < sample_size) {
      entry_.sample.push_back({point.point_key, point.parameters});
    }
    entry_.device_ms += PointDeviceMs(run_, estimate.milliseconds);
    ++entry_.estimate_sources[EstimateSourceName(estimate.source)];
  }

  PlanPlatform Take() { return std::move(entry_); }

 private:
  common::RunSpec run_;
  PlanPlatform entry_;
  std::unordered_map<std::string, size_t> group_index_;
};

// Estimates depend only on platform, topology and items per iteration, of
// which a sweep has few distinct combinations.
class CachedEstimator {
 public:
  explicit CachedEstimator(const LatencyHistory* history) : history_(history) {}

  IterationEstimate Estimate(const common::SweepPoint& point) {
    auto key = std::make_tuple(point.platform, TopologyOf(point.parameters),
                               ItemsPerIteration(point.parameters));
    auto it = cache_.find(key);
    if (it == cache_.end()) {
      it = cache_.emplace(key, EstimateIteration(point.platform, point.parameters, history_)).first;
    }
    return it->second;
  }

 private:
  const LatencyHistory* history_;
  std::map<std::tuple<std::string, std::string, int64_t>, IterationEstimate> cache_;
};

PlanView BuildView(const common::SweepSpec& spec, const common::Expansion& expansion,
                   const LatencyHistory* history, const PlanOptions& options) {
  PlanView view;
  view.sweep_name = spec.name;
  view.file = options.file;
  view.total_points = static_cast<int64_t>(expansion.points.size());
  view.prune_invalid = options.prune_invalid;
  view.default_iteration_ms = kDefaultIterationMs;

  std::vector<PlatformTally> tallies;
  std::unordered_map<std::string, size_t> tally_index;
  CachedEstimator estimator(history);
  for (const common::SweepPoint& point : expansion.points) {
    auto [it, inserted] = tally_index.try_emplace(point.platform, tallies.size());
    if (inserted) tallies.emplace_back(point.platform, spec.RunFor(point.platform));
    tallies[it->second].Add(point, estimator.Estimate(point), options.sample_per_platform);
  }
  for (PlatformTally& tally : tallies) {
    view.platforms.push_back(tally.Take());
    view.device_ms += view.platforms.back().device_ms;
  }
  for (const common::DroppedPoint& dropped : expansion.dropped) {
    view.dropped.push_back({dropped.parameters, dropped.reason});
  }
  return view;
}

}  // namespace

absl::StatusOr<PlanFormat> ParsePlanFormat(const std::string& name) {
  if (name == "text") return PlanFormat::kText;
  if (name == "json") return PlanFormat::kJson;
  return absl::InvalidArgumentError("unknown output '" + name + "' (expected text or json)");
}

absl::Status RunPlan(const CommandContext& context, const PlanOptions& options) {
  absl::StatusOr<std::string> yaml = ReadSweepFile(options.file);
  if (!yaml.ok()) return common::WithContext(yaml.status(), "plan " + options.file);
  absl::StatusOr<common::PlatformCatalog> catalog = common::PlatformCatalog::Builtin();
  if (!catalog.ok()) {
    // The catalog is compiled in: failing to load it is a build defect.
    return absl::InternalError("plan: the built-in platform catalog does not load: " +
                               std::string(catalog.status().message()));
  }
  // The parser's and expander's messages already name the file as the user
  // typed it, with line and column; more context would repeat it.
  absl::StatusOr<common::SweepSpec> spec = common::ParseSweep(*yaml, options.file);
  if (!spec.ok()) return spec.status();
  common::ExpandOptions expand_options;
  expand_options.max_points = options.max_points;
  expand_options.prune_invalid = options.prune_invalid;
  absl::StatusOr<common::Expansion> expansion =
      common::ExpandSweep(*spec, *catalog, expand_options);
  if (!expansion.ok()) return expansion.status();

  std::optional<FetchedHistory> fetched;
  if (options.use_history) {
    std::set<std::pair<std::string, std::string>> wanted;
    for (const common::SweepPoint& point : expansion->points) {
      wanted.emplace(point.platform, TopologyOf(point.parameters));
    }
    fetched = FetchLatencyHistory(context.client, wanted, options.history_limits);
  }

  PlanView view = BuildView(*spec, *expansion, fetched ? &fetched->history : nullptr, options);
  if (fetched) {
    view.history.queried = true;
    view.history.coordinator = context.client.address();
    view.history.sweeps_read = fetched->sweeps_read;
    view.history.runs = fetched->history.runs();
    view.history.note = fetched->note;
  }
  switch (options.format) {
    case PlanFormat::kText:
      RenderPlanText(view, context.out);
      break;
    case PlanFormat::kJson:
      RenderPlanJson(view, context.out);
      break;
  }
  return absl::OkStatus();
}

}  // namespace benchd::cli
