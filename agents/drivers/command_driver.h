#pragma once

// The `command` driver: runs any benchmark program given as an argv template
// and reads latencies from its stdout with a declarative output spec
// (agents/parsers/command_output_parser.h). For tools no dedicated driver
// knows yet.
//
// Options (the device's `options:` map; all strings):
//   argv           required. A JSON array of strings (the options map holds
//                  strings only, so the list is JSON text), with `{name}`
//                  placeholders as whole elements or after a literal
//                  `prefix=` (agents/drivers/argv_template.h). Never run
//                  through a shell. Names are experiment parameters
//                  (`{batch}`, `{precision}`, `{topology}`, ...) and the
//                  reserved `{warmup}`, `{iterations}`, `{repeat}`,
//                  `{run_id}`, `{work_dir}`, `{idle_ms}` (the sweep's
//                  `power: {idle}`: how long to hold the model loaded before
//                  running it) (run settings; they win over a parameter of
//                  the same name).
//   parser         required: regex | jsonl | kv
//   fields         required: `metric=source` list, one latency_<unit> field
//   pattern        regex only: the ECMAScript pattern
//   latency_kind   compute | system; default system
//   unsupported_exit_code  optional integer: the program exits with it when
//                  it cannot run the configuration (a measurement failure)
//   probe_argv     optional JSON array run by Probe (e.g. ["tool",
//                  "--version"]); its first stdout line is recorded as
//                  `tool_version`. Without it Probe checks that the program
//                  exists and is executable.
// Values: strings as given, integers in decimal, numbers in shortest form,
// booleans as true / false. A value arrives as exactly one argument, however
// many spaces, quotes or semicolons it holds.
// RunSettings: warmup 0 means 10, iterations 0 means 100, repeats 0 means 1
// (the program receives them through placeholders; it runs its own warm-up),
// timeout_ms > 0 bounds all repeats, else 10 minutes.
//
// Result: one RepeatSamples per program run, one sample per output line with
// a latency; summary over all samples; fps = batch x 1e6 / mean when the
// experiment has an integer `batch`, else 1e6 / mean; extras from the spec.
// Environment: driver, program, argv_template, argv (the last expanded argv,
// JSON), tool_version when probed.
//
// Failure codes of `Run`: INVALID_ARGUMENT when a placeholder has no value
// in the experiment; FAILED_PRECONDITION for `unsupported_exit_code`.
// Infrastructure: UNAVAILABLE (cannot launch, crash, other non-zero exit),
// DEADLINE_EXCEEDED, CANCELLED, INTERNAL (output does not match the spec).
// Thread-safety: as Driver. The ProcessRunner must outlive the driver.

#include <atomic>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "agents/drivers/argv_template.h"
#include "agents/drivers/driver.h"
#include "agents/parsers/command_output_parser.h"
#include "common/process_runner.h"

namespace benchd::agent {

class CommandDriver final : public Driver {
 public:
  static constexpr const char* kName = "command";

  struct Options {
    ArgvTemplate argv;
    CommandOutputSpec output;
    benchd::v1::LatencyKind latency_kind = benchd::v1::LATENCY_KIND_SYSTEM;
    std::optional<int> unsupported_exit_code;
    std::optional<ArgvTemplate> probe_argv;
  };

  // Errors: INVALID_ARGUMENT for a missing or unknown option or a bad value.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<Driver>> Create(const DriverOptions& options,
                                                                      common::ProcessRunner& runner);

  CommandDriver(Options options, common::ProcessRunner& runner);

  const std::string& Name() const override { return name_; }
  [[nodiscard]] absl::StatusOr<benchd::v1::Environment> Probe() override;
  // Every placeholder of the argv but those the driver fills itself.
  std::vector<std::string> RequiredParameters() const override;
  [[nodiscard]] absl::StatusOr<RunResult> Run(const RunRequest& request,
                                              const std::atomic<bool>& cancel) override;

 private:
  // Runs the program once and parses its output.
  [[nodiscard]] absl::StatusOr<CommandOutput> RunOnce(const std::vector<std::string>& argv, int repeat,
                                                      std::chrono::milliseconds timeout,
                                                      const std::string& work_dir,
                                                      const std::atomic<bool>& cancel);

  const std::string name_ = kName;
  Options options_;
  common::ProcessRunner& runner_;
  std::string tool_version_;
};

}  // namespace benchd::agent
