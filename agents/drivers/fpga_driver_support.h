#pragma once

// Pieces the FPGA drivers (vitis-dpu, finn, bismo) share on top of
// driver_util.h (FailureDetail, SaveText, MakeMetric, IntOption) and sha256.h:
// `env.` options, parameter readers, how a finished tool process maps to a
// status, and run deadlines. Free functions, no state.
//
// Status conventions (see driver.h): a bad option is INVALID_ARGUMENT at
// creation; a bad parameter is INVALID_ARGUMENT and a parameter value the
// device cannot run is FAILED_PRECONDITION, both before anything launches; a
// tool that cannot be launched, crashes or exits non-zero is UNAVAILABLE, one
// that runs past its deadline DEADLINE_EXCEEDED, one stopped by `cancel`
// CANCELLED, each with the exit description and the tail of its stderr.
// Thread-safety: pure functions, except the file functions, which touch only
// the paths they are given.

#include <chrono>
#include <cstdint>
#include <map>
#include <vector>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "agents/drivers/driver.h"
#include "benchd/v1/common.pb.h"
#include "common/process_runner.h"

namespace benchd::agent::fpga {

// Moves the `env.<NAME>` entries of `options` into the returned map (NAME a
// valid environment variable name); every tool the driver launches gets them
// in its environment. Errors: INVALID_ARGUMENT naming `driver` and the key.
[[nodiscard]] absl::StatusOr<std::map<std::string, std::string>> TakeEnvOptions(const std::string& driver,
                                                                              DriverOptions& options);

// Parameter readers. Errors: INVALID_ARGUMENT when the value has the wrong type.
[[nodiscard]] absl::StatusOr<int64_t> IntParam(const benchd::v1::Parameters& parameters, const std::string& name,
                                               int64_t default_value);
[[nodiscard]] absl::StatusOr<double> NumberParam(const benchd::v1::Parameters& parameters, const std::string& name,
                                                 double default_value);
// The string value, or nullopt when the parameter is absent.
[[nodiscard]] absl::StatusOr<std::optional<std::string>> StringParam(const benchd::v1::Parameters& parameters,
                                                                     const std::string& name);

// The precision parameter in upper case ("int4" -> "INT4"). Errors:
// INVALID_ARGUMENT when it is missing or not a string.
[[nodiscard]] absl::StatusOr<std::string> PrecisionParam(const benchd::v1::Parameters& parameters);

// The bit width of "INT<n>", or nullopt for anything else.
std::optional<int> IntegerBits(std::string_view precision);

std::string Upper(std::string_view text);

// True for a non-empty name of letters, digits, '.', '_', '-' and '@' that is
// not "." or "..": safe to use as one path component.
bool IsSafePathComponent(std::string_view name);

// Shortest text of `value` that reads back exactly ("12.5", "100").
std::string FormatNumber(double value);

// OK when the process exited 0; otherwise CANCELLED, DEADLINE_EXCEEDED or
// UNAVAILABLE with FailureDetail.
[[nodiscard]] absl::Status OutcomeStatus(const common::ProcessOutcome& outcome);

// Runs `spec`; a launch failure becomes UNAVAILABLE "launch '<argv0>': ...",
// a finished process is returned whatever its exit status.
[[nodiscard]] absl::StatusOr<common::ProcessOutcome> Launch(common::ProcessRunner& runner,
                                                           const common::ProcessSpec& spec,
                                                           const std::atomic<bool>* cancel);

// Runs a board's probe command (`argv` with `env`, bounded by `timeout`) and
// returns its outcome when it exited 0; any failure is UNAVAILABLE prefixed
// with `context`, because a device whose probe fails is not usable.
[[nodiscard]] absl::StatusOr<common::ProcessOutcome> RunProbe(common::ProcessRunner& runner,
                                                             std::vector<std::string> argv,
                                                             const std::map<std::string, std::string>& env,
                                                             std::chrono::milliseconds timeout,
                                                             const std::string& context);

// Writes `text` to `work_dir`/`name` (SaveText) so a surprising figure can be
// traced to what the tool printed; no-op for an empty `work_dir`.
void SaveArtifact(const std::string& work_dir, const std::string& name, std::string_view text);

// The whole file. Errors: NOT_FOUND when it cannot be opened, DATA_LOSS on a
// read error.
[[nodiscard]] absl::StatusOr<std::string> ReadFile(const std::string& path);

// The time left of a run's overall budget.
class RunDeadline {
 public:
  explicit RunDeadline(std::chrono::milliseconds budget)
      : budget_(budget), end_(std::chrono::steady_clock::now() + budget) {}
  std::chrono::milliseconds budget() const { return budget_; }
  // Errors: DEADLINE_EXCEEDED naming `what` when nothing is left.
  [[nodiscard]] absl::StatusOr<std::chrono::milliseconds> Remaining(std::string_view what) const;

 private:
  std::chrono::milliseconds budget_;
  std::chrono::steady_clock::time_point end_;
};

// Validated RunSettings with a driver's defaults filled in for zeros.
struct Settings {
  int warmup = 0;
  int iterations = 0;
  int repeats = 1;
  std::optional<std::chrono::milliseconds> timeout;  // nullopt: the driver's default
};
// Errors: INVALID_ARGUMENT for negative values.
[[nodiscard]] absl::StatusOr<Settings> ReadSettings(const benchd::v1::RunSettings& settings, int default_warmup,
                                                    int default_iterations);

}  // namespace benchd::agent::fpga
