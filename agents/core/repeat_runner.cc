#include "agents/core/repeat_runner.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "agents/core/repeat_statistics.h"
#include "agents/drivers/driver_util.h"
#include "spdlog/fmt/fmt.h"
#include "spdlog/spdlog.h"

namespace benchd::agent {
namespace {

// Defaults of RunSettings (tool_driver_support.h RunLimits).
constexpr int64_t kDefaultTimeoutMs = 10 * 60 * 1000;
constexpr int kDefaultMaxRepeats = 20;

// One driver call; its phases are the driver's or the whole call.
absl::StatusOr<RunResult> CallDriver(Driver& driver, const RunRequest& request, const std::atomic<bool>& cancel,
                                     bool& driver_marked) {
  const int64_t start = MonotonicNowNs();
  absl::StatusOr<RunResult> result = driver.Run(request, cancel);
  if (!result.ok()) return result;
  if (result->phases.empty()) {
    result->phases = {PhaseMark{power::Phase::kMeasure, start}, PhaseMark{power::Phase::kEnd, MonotonicNowNs()}};
    driver_marked = false;
  }
  return result;
}

std::vector<double> MeansOf(const std::vector<benchd::v1::LatencyStats>& stats) {
  std::vector<double> means;
  for (const auto& s : stats) means.push_back(s.mean_us());
  return means;
}

}  // namespace

absl::StatusOr<RepeatedRun> RunRepeats(Driver& driver, const RunRequest& request, const std::atomic<bool>& cancel) {
  RepeatedRun run;
  run.driver_marked_phases = true;
  const benchd::v1::RunSettings& settings = request.settings;
  std::vector<benchd::v1::LatencyStats> repeat_stats;
  if (settings.ci_target() <= 0) {
    absl::StatusOr<RunResult> result = CallDriver(driver, request, cancel, run.driver_marked_phases);
    if (!result.ok()) return result.status();
    run.result = *std::move(result);
    repeat_stats = PerRepeatStats(run.result.repeats);
    if (repeat_stats.empty()) repeat_stats = run.result.repeat_stats;
    (*run.result.environment.mutable_entries())["repeats_made"] =
        std::to_string(std::max<size_t>(run.result.repeats.size(), 1));
  } else {
    const int min_repeats = std::max(settings.repeats(), 2);
    const int max_repeats = std::max(settings.max_repeats() > 0 ? settings.max_repeats() : kDefaultMaxRepeats,
                                     min_repeats);
    const auto deadline = std::chrono::steady_clock::now() +
                          std::chrono::milliseconds(settings.timeout_ms() > 0 ? settings.timeout_ms()
                                                                              : kDefaultTimeoutMs);
    std::vector<RunResult> results;
    std::vector<double> means;
    while (static_cast<int>(results.size()) < max_repeats && !CiTargetReached(means, settings.ci_target(), min_repeats)) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) {
        return absl::DeadlineExceededError(fmt::format("adaptive repeats: the run's timeout passed after {} repeats",
                                                       results.size()));
      }
      RunRequest one = request;
      one.settings.set_repeats(1);
      one.first_repeat = static_cast<int>(results.size());
      one.settings.set_timeout_ms(left.count());
      // Each call keeps its raw output in a directory of its own: drivers
      // name their files by their own repeat number, 0 in every call.
      one.work_dir = fmt::format("{}/repeat-{}", request.work_dir, results.size());
      std::error_code error;
      std::filesystem::create_directories(one.work_dir, error);
      if (error) return absl::InternalError(fmt::format("create '{}': {}", one.work_dir, error.message()));
      bool marked = true;
      absl::StatusOr<RunResult> result = CallDriver(driver, one, cancel, marked);
      if (!result.ok()) return result.status();
      run.driver_marked_phases = run.driver_marked_phases && marked;
      std::vector<benchd::v1::LatencyStats> stats = PerRepeatStats(result->repeats);
      if (stats.empty()) stats = result->repeat_stats;
      repeat_stats.push_back(stats.empty() ? result->summary.latency() : stats.front());
      means.push_back(repeat_stats.back().mean_us());
      results.push_back(*std::move(result));
    }
    const std::optional<double> half = RelativeCiHalfWidth(means);
    const size_t made = results.size();
    run.result = CombineRepeats(std::move(results));
    auto& entries = *run.result.environment.mutable_entries();
    entries["repeats_made"] = std::to_string(made);
    entries["ci_target"] = fmt::format("{}", settings.ci_target());
    if (half) entries["ci_half_width"] = fmt::format("{:.6f}", *half);
    if (!CiTargetReached(means, settings.ci_target(), min_repeats)) {
      *run.result.summary.add_warnings() = fmt::format(
          "ci_target {:.2f} % not reached: the 95 % interval of the mean is +/- {:.2f} % after {} repeats (the cap)",
          settings.ci_target() * 100, half.value_or(0) * 100, made);
    }
  }
  for (const auto& stats : repeat_stats) *run.result.summary.add_repeats() = stats;
  for (std::string& warning : RepeatWarnings(MeansOf(repeat_stats))) {
    *run.result.summary.add_warnings() = std::move(warning);
  }
  return run;
}

}  // namespace benchd::agent
