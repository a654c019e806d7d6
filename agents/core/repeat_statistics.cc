#include "agents/core/repeat_statistics.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>

#include "common/statistics.h"
#include "spdlog/fmt/fmt.h"

namespace benchd::agent {
namespace {

double Mean(const std::vector<double>& values) {
  return std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
}

double SampleStd(const std::vector<double>& values, double mean) {
  double squares = 0;
  for (double v : values) squares += (v - mean) * (v - mean);
  return std::sqrt(squares / static_cast<double>(values.size() - 1));
}

using Stats = benchd::v1::LatencyStats;

// Statistics of tools that print figures only: the repeats' figures
// weighted by their counts; the interval comes from the spread of the repeat
// means, the only spread there is. A figure some repeat lacks stays absent.
Stats CombineFigures(const std::vector<Stats>& repeats) {
  Stats combined;
  if (repeats.empty()) return combined;
  // Sets a figure to `reduce` of the repeats' values, when every repeat has it.
  const auto combine = [&](bool (Stats::*has)() const, double (Stats::*get)() const, void (Stats::*set)(double),
                           auto reduce) {
    if (!std::all_of(repeats.begin(), repeats.end(), [&](const Stats& r) { return (r.*has)(); })) return;
    std::vector<double> values;
    for (const Stats& r : repeats) values.push_back((r.*get)());
    (combined.*set)(reduce(values));
  };
  const auto lowest = [](const std::vector<double>& v) { return *std::min_element(v.begin(), v.end()); };
  const auto highest = [](const std::vector<double>& v) { return *std::max_element(v.begin(), v.end()); };
  int64_t count = 0;
  for (const Stats& r : repeats) count += r.count();
  combined.set_count(count);
  combine(&Stats::has_mean_us, &Stats::mean_us, &Stats::set_mean_us, [&](const std::vector<double>& values) {
    double weighted = 0;
    int64_t weights = 0;
    for (size_t i = 0; i < repeats.size(); ++i) {
      const int64_t n = std::max<int64_t>(repeats[i].count(), 1);
      weighted += values[i] * static_cast<double>(n);
      weights += n;
    }
    return weighted / static_cast<double>(weights);
  });
  combine(&Stats::has_min_us, &Stats::min_us, &Stats::set_min_us, lowest);
  combine(&Stats::has_max_us, &Stats::max_us, &Stats::set_max_us, highest);
  // Medians and percentiles of the whole cannot be recovered from the
  // repeats' figures; their means are the honest approximation left.
  combine(&Stats::has_median_us, &Stats::median_us, &Stats::set_median_us, Mean);
  combine(&Stats::has_p90_us, &Stats::p90_us, &Stats::set_p90_us, Mean);
  combine(&Stats::has_p95_us, &Stats::p95_us, &Stats::set_p95_us, Mean);
  combine(&Stats::has_p99_us, &Stats::p99_us, &Stats::set_p99_us, Mean);
  combine(&Stats::has_std_us, &Stats::std_us, &Stats::set_std_us, Mean);
  std::vector<double> means;
  if (combined.has_mean_us()) {
    for (const Stats& r : repeats) means.push_back(r.mean_us());
  }
  if (means.size() >= 2) {
    const double half = common::StudentT95(static_cast<int64_t>(means.size()) - 1) *
                        SampleStd(means, Mean(means)) / std::sqrt(static_cast<double>(means.size()));
    combined.set_ci95_low_us(combined.mean_us() - half);
    combined.set_ci95_high_us(combined.mean_us() + half);
  } else if (repeats.size() == 1 && repeats.front().has_ci95_low_us() && repeats.front().has_ci95_high_us()) {
    combined.set_ci95_low_us(repeats.front().ci95_low_us());
    combined.set_ci95_high_us(repeats.front().ci95_high_us());
  }
  return combined;
}

}  // namespace

std::vector<benchd::v1::LatencyStats> PerRepeatStats(const std::vector<RepeatSamples>& repeats) {
  std::vector<benchd::v1::LatencyStats> stats;
  for (const RepeatSamples& repeat : repeats) {
    if (!repeat.latency_us.empty()) stats.push_back(common::ComputeLatencyStats(repeat.latency_us));
  }
  return stats;
}

std::vector<std::string> RepeatWarnings(const std::vector<double>& means) {
  std::vector<std::string> warnings;
  if (means.size() < 2) return warnings;
  const double mean = Mean(means);
  if (mean <= 0) return warnings;
  const double cv = SampleStd(means, mean) / mean;
  if (cv > kRepeatCvWarning) {
    warnings.push_back(fmt::format("repeats disagree: the coefficient of variation of the {} repeat means is "
                                   "{:.1f} % (warning above {:.0f} %)",
                                   means.size(), cv * 100, kRepeatCvWarning * 100));
  }
  if (means.size() >= 3) {
    const bool rising = std::is_sorted(means.begin(), means.end());
    const bool falling = std::is_sorted(means.rbegin(), means.rend());
    const double change = (means.back() - means.front()) / means.front();
    if ((rising || falling) && std::abs(change) > kRepeatDriftWarning) {
      warnings.push_back(fmt::format("latency drifts: the repeat means {} steadily from {:.1f} us to {:.1f} us "
                                     "({:+.1f} %) over {} repeats (thermal throttling, clock changes?)",
                                     rising ? "rise" : "fall", means.front(), means.back(), change * 100,
                                     means.size()));
    }
  }
  return warnings;
}

std::optional<double> RelativeCiHalfWidth(const std::vector<double>& values) {
  if (values.size() < 2) return std::nullopt;
  const double mean = Mean(values);
  if (mean == 0) return std::nullopt;
  const double half = common::StudentT95(static_cast<int64_t>(values.size()) - 1) * SampleStd(values, mean) /
                      std::sqrt(static_cast<double>(values.size()));
  return half / std::abs(mean);
}

bool CiTargetReached(const std::vector<double>& repeat_means_us, double ci_target, int min_repeats) {
  if (static_cast<int>(repeat_means_us.size()) < std::max(min_repeats, 2)) return false;
  const std::optional<double> relative = RelativeCiHalfWidth(repeat_means_us);
  return relative && *relative <= ci_target;
}

RunResult CombineRepeats(std::vector<RunResult> results) {
  RunResult combined;
  if (results.empty()) return combined;
  std::vector<double> all_samples;
  bool every_repeat_has_samples = true;
  std::vector<benchd::v1::LatencyStats> repeat_figures;
  // Throughputs are averaged over the repeats that report them, and absent
  // when one does not (a GOPS figure needs the model's op count).
  double fps = 0, gops = 0;
  bool every_fps = true, every_gops = true;
  int64_t inferences = 0;
  std::map<std::string, std::pair<benchd::v1::Metric, int>> extras;
  std::vector<std::string> extra_order;
  for (size_t i = 0; i < results.size(); ++i) {
    RunResult& result = results[i];
    bool has_samples = false;
    for (RepeatSamples& repeat : result.repeats) {
      repeat.repeat = static_cast<int>(i);
      has_samples = has_samples || !repeat.latency_us.empty();
      all_samples.insert(all_samples.end(), repeat.latency_us.begin(), repeat.latency_us.end());
      combined.repeats.push_back(std::move(repeat));
    }
    every_repeat_has_samples = every_repeat_has_samples && has_samples;
    repeat_figures.push_back(result.summary.latency());
    combined.phases.insert(combined.phases.end(), result.phases.begin(), result.phases.end());
    fps += result.summary.fps();
    gops += result.summary.gops();
    every_fps = every_fps && result.summary.has_fps();
    every_gops = every_gops && result.summary.has_gops();
    inferences += result.summary.inferences();
    for (const benchd::v1::Metric& metric : result.summary.extra()) {
      auto [it, added] = extras.try_emplace(metric.name(), metric, 0);
      if (added) {
        extra_order.push_back(metric.name());
        it->second.first.set_value(0);
      }
      it->second.first.set_value(it->second.first.value() + metric.value());
      ++it->second.second;
    }
  }
  benchd::v1::RunSummary& summary = combined.summary;
  summary.set_latency_kind(results.front().summary.latency_kind());
  *summary.mutable_latency() =
      every_repeat_has_samples ? common::ComputeLatencyStats(all_samples) : CombineFigures(repeat_figures);
  const double n = static_cast<double>(results.size());
  if (every_fps) summary.set_fps(fps / n);
  if (every_gops) summary.set_gops(gops / n);
  summary.set_inferences(inferences);
  for (const std::string& name : extra_order) {
    benchd::v1::Metric metric = extras[name].first;
    metric.set_value(metric.value() / extras[name].second);
    *summary.add_extra() = std::move(metric);
  }
  combined.environment = std::move(results.back().environment);
  return combined;
}

}  // namespace benchd::agent
