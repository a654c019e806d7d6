#include "agents/drivers/driver_util.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>

#include "agents/parsers/text_scan.h"
#include "common/duration.h"
#include "common/proto_json.h"
#include "spdlog/spdlog.h"

namespace benchd::agent {
namespace {

// Enough of a tool's output to show its error, short enough to travel in a
// status message.
constexpr size_t kTailBytes = 2048;

}  // namespace

std::string FailureDetail(const common::ProcessOutcome& outcome) {
  std::string detail = outcome.Describe();
  std::string_view tail = Trim(TailLines(outcome.stderr_text, kTailBytes));
  std::string_view stream = "stderr";
  if (tail.empty()) {
    tail = Trim(TailLines(outcome.stdout_text, kTailBytes));
    stream = "stdout";
  }
  if (!tail.empty()) {
    detail += "; ";
    detail += stream;
    detail += ": ";
    detail += tail;
  }
  return detail;
}

void SaveText(const std::string& path, std::string_view text) {
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file << text;
  if (!file) spdlog::warn("could not write raw output {}", path);
}

benchd::v1::Metric MakeMetric(const std::string& name, double value, const std::string& unit) {
  benchd::v1::Metric metric;
  metric.set_name(name);
  metric.set_value(value);
  metric.set_unit(unit);
  return metric;
}

std::map<std::string, std::string> ParameterValues(const benchd::v1::Parameters& parameters) {
  std::map<std::string, std::string> values;
  for (const auto& [name, value] : parameters.values()) values[name] = common::ParamValueToString(value);
  return values;
}

bool IsExecutable(const std::string& program) {
  if (program.find('/') != std::string::npos) return ::access(program.c_str(), X_OK) == 0;
  const char* path = std::getenv("PATH");
  std::string_view dirs = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
  while (true) {
    const size_t colon = dirs.find(':');
    std::string dir(dirs.substr(0, colon));
    if (dir.empty()) dir = ".";
    if (::access((dir + "/" + program).c_str(), X_OK) == 0) return true;
    if (colon == std::string_view::npos) return false;
    dirs.remove_prefix(colon + 1);
  }
}

absl::StatusOr<int64_t> IntOption(std::string_view driver, std::string_view key, std::string_view value,
                                  int64_t min, int64_t max) {
  absl::StatusOr<int64_t> parsed = ParseInt64(value);
  if (!parsed.ok() || *parsed < min || *parsed > max) {
    return absl::InvalidArgumentError(std::string(driver) + " option '" + std::string(key) +
                                      "' must be an integer in [" + std::to_string(min) + ", " +
                                      std::to_string(max) + "], got '" + std::string(value) + "'");
  }
  return *parsed;
}

absl::StatusOr<std::chrono::milliseconds> DurationOption(std::string_view driver, std::string_view key,
                                                         std::string_view value) {
  absl::StatusOr<std::chrono::milliseconds> parsed = common::ParseDuration(value);
  if (!parsed.ok() || parsed->count() <= 0) {
    return absl::InvalidArgumentError(std::string(driver) + " option '" + std::string(key) +
                                      "' must be a positive duration such as 30s or 2m, got '" +
                                      std::string(value) + "'");
  }
  return *parsed;
}

RepeatBudget::RepeatBudget(std::string context, std::chrono::milliseconds timeout)
    : context_(std::move(context)), deadline_(std::chrono::steady_clock::now() + timeout) {}

std::string RepeatBudget::ContextOf(int repeat) const { return context_ + " repeat " + std::to_string(repeat); }

absl::StatusOr<std::chrono::milliseconds> RepeatBudget::Next(int repeat, const std::atomic<bool>& cancel) const {
  if (cancel.load()) return absl::CancelledError(ContextOf(repeat) + ": cancelled");
  const auto remaining =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - std::chrono::steady_clock::now());
  if (remaining <= std::chrono::milliseconds::zero()) {
    return absl::DeadlineExceededError(ContextOf(repeat) + ": run timeout used up by earlier repeats");
  }
  return remaining;
}

std::vector<PhaseMark> PhasesBetween(int64_t started, int64_t ended, double measured_s, double warmup_s) {
  if (measured_s <= 0) return {};
  const int64_t measure = std::max(started, ended - static_cast<int64_t>(measured_s * 1e9));
  const int64_t warmup = std::max(started, measure - static_cast<int64_t>(std::max(warmup_s, 0.0) * 1e9));
  std::vector<PhaseMark> marks;
  if (warmup > started) marks.push_back({power::Phase::kIdle, started});
  if (measure > warmup) marks.push_back({power::Phase::kWarmup, warmup});
  marks.push_back({power::Phase::kMeasure, measure});
  marks.push_back({power::Phase::kCooldown, ended});
  return marks;
}

std::vector<PhaseMark> MeasureWindowOf(const RepeatSamples& samples) {
  if (samples.t_ns.empty() || samples.t_ns.size() != samples.latency_us.size()) return {};
  const auto first_start = samples.t_ns.front() - static_cast<int64_t>(samples.latency_us.front() * 1e3);
  return {PhaseMark{power::Phase::kMeasure, first_start}, PhaseMark{power::Phase::kEnd, samples.t_ns.back()}};
}

}  // namespace benchd::agent
