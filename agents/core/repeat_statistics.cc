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

// Statistics of tools that print figures only: the repeats' figures
// weighted by their counts; the interval comes from the spread of the repeat
// means, the only spread there is.
benchd::v1::LatencyStats CombineFigures(const std::vector<benchd::v1::LatencyStats>& repeats) {
  benchd::v1::LatencyStats combined;
  if (repeats.empty()) return combined;
  double weighted = 0;
  int64_t count = 0;
  std::vector<double> means;
  combined.set_min_us(repeats.front().min_us());
  combined.set_max_us(repeats.front().max_us());
  for (const benchd::v1::LatencyStats& r : repeats) {
    const int64_t n = std::max<int64_t>(r.count(), 1);
    weighted += r.mean_us() * static_cast<double>(n);
    count += r.count();
    means.push_back(r.mean_us());
    combined.set_min_us(std::min(combined.min_us(), r.min_us()));
    combined.set_max_us(std::max(combined.max_us(), r.max_us()));
  }
  int64_t weights = 0;
  for (const auto& r : repeats) weights += std::max<int64_t>(r.count(), 1);
  combined.set_count(count);
  combined.set_mean_us(weighted / static_cast<double>(weights));
  // Medians and percentiles of the whole cannot be recovered from the
  // repeats' figures; their means are the honest approximation left.
  const auto average = [&](double (benchd::v1::LatencyStats::*field)() const) {
    double sum = 0;
    for (const auto& r : repeats) sum += (r.*field)();
    return sum / static_cast<double>(repeats.size());
  };
  combined.set_median_us(average(&benchd::v1::LatencyStats::median_us));
  combined.set_p90_us(average(&benchd::v1::LatencyStats::p90_us));
  combined.set_p95_us(average(&benchd::v1::LatencyStats::p95_us));
  combined.set_p99_us(average(&benchd::v1::LatencyStats::p99_us));
  combined.set_std_us(average(&benchd::v1::LatencyStats::std_us));
  if (means.size() >= 2) {
    const double half = common::StudentT95(static_cast<int64_t>(means.size()) - 1) *
                        SampleStd(means, Mean(means)) / std::sqrt(static_cast<double>(means.size()));
    combined.set_ci95_low_us(combined.mean_us() - half);
    combined.set_ci95_high_us(combined.mean_us() + half);
  } else {
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
  double fps = 0, gops = 0;
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
  summary.set_fps(fps / n);
  summary.set_gops(gops / n);
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
