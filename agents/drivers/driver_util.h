#pragma once

// Small helpers the command and MCU drivers share: quoting a failed tool in
// an error message, keeping raw output beside a run, reading typed options.
// Thread-safety: pure functions, except `SaveText`, which writes a file.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "agents/drivers/driver.h"
#include "agents/power/sampling_clock.h"
#include "benchd/v1/common.pb.h"
#include "common/process_runner.h"

namespace benchd::agent {

// "exit code 3; stderr: <last lines>" (stdout's tail when stderr is empty).
std::string FailureDetail(const common::ProcessOutcome& outcome);

// Writes `text` to `path`; a failure is logged, not returned: losing a raw
// log is not worth failing a measurement for.
void SaveText(const std::string& path, std::string_view text);

// The clock of PhaseMark and RepeatSamples::t_ns: the power samplers'.
using power::MonotonicNowNs;

// The measure window of a repeat whose samples carry completion times: from
// the start of the first inference (its completion less its latency) to the
// last completion, closed by `end`. Empty without timestamps.
std::vector<PhaseMark> MeasureWindowOf(const RepeatSamples& samples);

// The phases of a run from `started` to `ended` (monotonic ns) that timed
// its inferences for `measured_s` just before it ended, after `warmup_s` of
// warm-up; the time before the warm-up (loading the model) is idle, then
// cool-down from the end. Empty when nothing was measured.
std::vector<PhaseMark> PhasesBetween(int64_t started, int64_t ended, double measured_s, double warmup_s);

benchd::v1::Metric MakeMetric(const std::string& name, double value, const std::string& unit);

// Every parameter of `parameters` as placeholder text: strings as given,
// integers in decimal, numbers in shortest form, booleans true / false.
std::map<std::string, std::string> ParameterValues(const benchd::v1::Parameters& parameters);

// Whether `program` names an executable file, directly (when it contains a
// '/') or through PATH, as execvp would find it.
bool IsExecutable(const std::string& program);

// Option readers; errors are INVALID_ARGUMENT naming `driver` and `key`.
[[nodiscard]] absl::StatusOr<int64_t> IntOption(std::string_view driver, std::string_view key,
                                                std::string_view value, int64_t min, int64_t max);
[[nodiscard]] absl::StatusOr<std::chrono::milliseconds> DurationOption(std::string_view driver,
                                                                       std::string_view key,
                                                                       std::string_view value);

// One run timeout shared by a run's repeats: each repeat gets what the
// earlier ones left, and a cancelled run starts no further repeat.
class RepeatBudget {
 public:
  RepeatBudget(std::string context, std::chrono::milliseconds timeout);
  // "<context> repeat N", for messages about that repeat.
  std::string ContextOf(int repeat) const;
  // The time left for `repeat`. Errors: CANCELLED when `cancel` is set,
  // DEADLINE_EXCEEDED when earlier repeats used the whole timeout.
  [[nodiscard]] absl::StatusOr<std::chrono::milliseconds> Next(int repeat, const std::atomic<bool>& cancel) const;

 private:
  std::string context_;
  std::chrono::steady_clock::time_point deadline_;
};

}  // namespace benchd::agent
