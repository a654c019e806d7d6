#pragma once

// Plumbing shared by the drivers that measure by running an accelerator's
// native benchmark tool (jetson, openvino, edgetpu): option and parameter
// reading, the model file naming rule, run limits from RunSettings, running a
// tool with its raw output kept, phases from a tool's timing (also used by
// finn, bismo and vitis-dpu) and summaries from parsed figures.
//
// Error codes follow driver.h: INVALID_ARGUMENT for bad parameters, settings
// or options; for a tool run, UNAVAILABLE when it cannot be launched or exits
// non-zero, DEADLINE_EXCEEDED on timeout, CANCELLED when cancelled.
// FailureDetail, MakeMetric and SaveText come from driver_util.h.
// Thread-safety: pure functions, except RunTool (see ProcessRunner).

#include <atomic>
#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "agents/drivers/driver.h"
#include "agents/drivers/driver_util.h"
#include "agents/parsers/latency_figures.h"
#include "benchd/v1/common.pb.h"
#include "common/process_runner.h"
#include "common/status_util.h"

namespace benchd::agent {

// Reads a driver's `options:` map, remembering which keys were read so that
// `CheckAllRead` can reject unknown ones (a typo must not silently fall back
// to a default). Keys `env.NAME` are environment variables for every tool the
// driver launches (e.g. `env.BENCHD_SIM_NOISE: "0"` for the simulators).
class OptionReader {
 public:
  OptionReader(std::string driver, const DriverOptions& options);
  std::string String(const std::string& key, const std::string& default_value);
  // Errors: INVALID_ARGUMENT when the option is missing or empty.
  [[nodiscard]] absl::StatusOr<std::string> Required(const std::string& key);
  // Errors: INVALID_ARGUMENT when not an integer in [min, max].
  [[nodiscard]] absl::StatusOr<int64_t> Int(const std::string& key, int64_t default_value, int64_t min,
                                            int64_t max);
  // "true"/"false" (also yes/no, on/off, 1/0). Errors: INVALID_ARGUMENT.
  [[nodiscard]] absl::StatusOr<bool> Bool(const std::string& key, bool default_value);
  // One of `allowed`. Errors: INVALID_ARGUMENT.
  [[nodiscard]] absl::StatusOr<std::string> Choice(const std::string& key, const std::string& default_value,
                                                   const std::vector<std::string>& allowed);
  std::map<std::string, std::string> Environment();
  // Errors: INVALID_ARGUMENT naming the first option no reader call asked for.
  [[nodiscard]] absl::Status CheckAllRead() const;

 private:
  std::string driver_;
  const DriverOptions& options_;
  std::set<std::string> read_;
};

// Parameter access. Errors: INVALID_ARGUMENT for a value of the wrong type or,
// for `RequiredString`, a missing one.
[[nodiscard]] absl::StatusOr<std::string> RequiredString(const benchd::v1::Parameters& parameters,
                                                        const std::string& name);
[[nodiscard]] absl::StatusOr<std::optional<std::string>> OptionalString(const benchd::v1::Parameters& parameters,
                                                                       const std::string& name);
[[nodiscard]] absl::StatusOr<int64_t> IntParam(const benchd::v1::Parameters& parameters, const std::string& name,
                                               int64_t default_value, int64_t min, int64_t max);
[[nodiscard]] absl::StatusOr<double> NumberParam(const benchd::v1::Parameters& parameters, const std::string& name,
                                                 double default_value);

std::string Upper(std::string text);
std::string Lower(std::string text);

// The file stem of a model: the topology, plus "-p<pruning>" when pruned
// ("MLP-p12.5", "ResNet-50"). Errors: INVALID_ARGUMENT for an empty topology,
// one with '/' or a NUL byte, "." or "..", so a sweep value can never name a
// file outside the model directory, or pruning outside (0, 100].
[[nodiscard]] absl::StatusOr<std::string> ModelStem(const std::string& topology, double pruning);

// `<model_dir>/<file>`, checked before the tool is launched. A model this
// device does not have is the experiment's problem, not the device's:
// FAILED_PRECONDITION (a measurement failure: not retried, the device stays
// in service), naming what the directory holds. A model directory that is
// not there is the device's: UNAVAILABLE, since every run would fail.
[[nodiscard]] absl::StatusOr<std::string> DeployedModel(const std::string& driver, const std::string& model_dir,
                                                        const std::string& file);

// RunSettings with the defaults of benchd: warmup 0 means 10, iterations 0
// means 100, repeats 0 means 1, timeout 0 means 10 minutes for all repeats.
struct RunLimits {
  int warmup = 10;
  int iterations = 100;
  int repeats = 1;
  std::chrono::milliseconds timeout{std::chrono::minutes(10)};
};
// Errors: INVALID_ARGUMENT for negative settings.
[[nodiscard]] absl::StatusOr<RunLimits> LimitsFrom(const benchd::v1::RunSettings& settings);

// Runs one tool invocation and classifies the outcome. Keeps its stdout and
// stderr as `<work_dir>/<raw_name>.stdout|.stderr` (when `work_dir` is set),
// whatever happened. Returns the outcome only when the tool exited with 0.
[[nodiscard]] absl::StatusOr<common::ProcessOutcome> RunTool(common::ProcessRunner& runner,
                                                             const common::ProcessSpec& spec,
                                                             const std::atomic<bool>* cancel,
                                                             const std::string& work_dir,
                                                             const std::string& raw_name);

// RunTool for one repeat of a run: `argv` with `env`, in and saving its raw
// output to `work_dir` as `<raw_name>.stdout|.stderr`, bounded by `timeout`.
[[nodiscard]] absl::StatusOr<common::ProcessOutcome> RunRepeatTool(common::ProcessRunner& runner,
                                                                  const std::vector<std::string>& argv,
                                                                  const std::map<std::string, std::string>& env,
                                                                  const std::string& work_dir,
                                                                  std::chrono::milliseconds timeout,
                                                                  const std::atomic<bool>* cancel,
                                                                  const std::string& raw_name);

// Runs the tool `repeats` times within one timeout (RepeatBudget under
// `context`), keeping repeat N's raw output as `<tool>-repeat-N`, and parses
// each repeat's outcome with `parse` (absl::StatusOr<Output>(const
// ProcessOutcome&)). Errors carry "<context> repeat N".
template <typename Output, typename Parse>
[[nodiscard]] absl::StatusOr<std::vector<Output>> RunParsedRepeats(
    common::ProcessRunner& runner, const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
    const std::string& work_dir, const RunLimits& limits, const std::string& context, const std::string& tool,
    const std::atomic<bool>& cancel, Parse parse) {
  const RepeatBudget budget(context, limits.timeout);
  std::vector<Output> outputs;
  for (int repeat = 0; repeat < limits.repeats; ++repeat) {
    const std::string repeat_context = budget.ContextOf(repeat);
    absl::StatusOr<std::chrono::milliseconds> remaining = budget.Next(repeat, cancel);
    if (!remaining.ok()) return remaining.status();
    absl::StatusOr<common::ProcessOutcome> outcome =
        RunRepeatTool(runner, argv, env, work_dir, *remaining, &cancel, tool + "-repeat-" + std::to_string(repeat));
    if (!outcome.ok()) return common::WithContext(outcome.status(), repeat_context);
    absl::StatusOr<Output> output = parse(*outcome);
    if (!output.ok()) return common::WithContext(output.status(), repeat_context);
    outputs.push_back(*std::move(output));
  }
  return outputs;
}

// The phases of one run of a tool that times its inferences itself and
// exits right after printing them: it started at `ended_ns - wall_time`,
// measured for `measured_s` just before it ended, after `warmup_s` of
// warm-up; the time before the warm-up (loading the model) is marked idle.
// Only as exact as the tool's report: its own start-up and exit count as
// idle and measure time respectively.
std::vector<PhaseMark> ToolRunPhases(const common::ProcessOutcome& outcome, double measured_s, double warmup_s);

// LatencyStats from a tool's printed figures, for tools that give no
// per-inference samples: count, mean, min, max, median and the percentiles it
// printed (50/90/95/99); std when given as the sample standard deviation
// (`sample_std_us`), with the 95 % interval of the mean from it. Missing
// figures stay 0.
benchd::v1::LatencyStats StatsFromFigures(const LatencyFigures& figures, std::optional<double> sample_std_us);

}  // namespace benchd::agent
