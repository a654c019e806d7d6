#pragma once

// The `host-cpu` driver: measures the QuTiBench MLP on the agent's own CPU by
// running benchd-host-mlp (agents/host_runtime) once per repeat and parsing
// its output (agents/parsers/host_mlp_parser.h).
//
// Options (the device's `options:` map):
//   runtime  path of benchd-host-mlp; default "benchd-host-mlp", looked up on
//            PATH. The agent passes the binary installed beside itself.
//   threads  oneDNN threads, >= 1; default std::thread::hardware_concurrency.
// Parameters of a run:
//   precision  string, required: FP32 or INT8 (any letter case)
//   pruning    int or number in (0, 100], default 100
//   batch      int in [1, 4096], default 1
//   threads    int >= 1, optional, overrides the option
// RunSettings: warmup 0 means 10, iterations 0 means 100, repeats 0 means 1;
// timeout_ms, when > 0, bounds the whole run (all repeats), else 10 minutes.
//
// Result: one RepeatSamples per repeat, kind SYSTEM (the runtime times the
// whole batch end to end on the host). Each sample is the latency of one
// batch, so the summary's latency statistics are per batch over all repeats'
// samples together; fps = batch x 1e6 / mean_us; gops = ops_per_inference x
// batch / mean latency in s / 1e9; inferences = samples x batch. Extra
// metrics: params, ops_per_inference, batch, threads.
//
// Failure codes of `Run` (see driver.h): INVALID_ARGUMENT for bad parameters
// or settings and FAILED_PRECONDITION for a precision the host cannot run,
// both before anything is launched, and FAILED_PRECONDITION when the runtime
// itself exits with code 2 (unsupported precision). Infrastructure failures:
// UNAVAILABLE when the runtime cannot be launched, crashes or exits non-zero;
// DEADLINE_EXCEEDED on timeout; CANCELLED when `cancel` was set; INTERNAL when
// its output cannot be parsed or does not match the request. Messages carry
// the exit description and the tail of the runtime's stderr.
// Thread-safety: as Driver. The ProcessRunner must outlive the driver.

#include <atomic>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "agents/drivers/driver.h"
#include "agents/drivers/host_info.h"
#include "agents/parsers/host_mlp_parser.h"
#include "common/process_runner.h"

namespace benchd::agent {

class HostCpuDriver final : public Driver {
 public:
  static constexpr const char* kName = "host-cpu";

  struct Options {
    std::string runtime = "benchd-host-mlp";
    int threads = 1;
  };

  // Errors: INVALID_ARGUMENT for an unknown option or a bad value.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<Driver>> Create(
      const DriverOptions& options, common::ProcessRunner& runner);

  HostCpuDriver(Options options, common::ProcessRunner& runner);

  const std::string& Name() const override { return name_; }
  std::vector<std::string> RequiredParameters() const override { return {"precision"}; }
  [[nodiscard]] absl::StatusOr<benchd::v1::Environment> Probe() override;
  [[nodiscard]] absl::StatusOr<RunResult> Run(const RunRequest& request,
                                              const std::atomic<bool>& cancel) override;

 private:
  struct Plan;

  [[nodiscard]] absl::StatusOr<Plan> PlanRun(const RunRequest& request) const;
  // Runs the runtime once and parses its output.
  [[nodiscard]] absl::StatusOr<HostMlpOutput> RunOnce(const Plan& plan, int repeat,
                                                      std::chrono::milliseconds timeout,
                                                      const std::string& work_dir,
                                                      const std::atomic<bool>& cancel);
  benchd::v1::Environment BaseEnvironment(const HostMlpRuntime& runtime) const;

  const std::string name_ = kName;
  Options options_;
  common::ProcessRunner& runner_;
  HostInfo host_info_;
};

}  // namespace benchd::agent
