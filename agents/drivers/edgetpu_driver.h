#pragma once

// The `edgetpu` driver: measures a compiled model (`*_edgetpu.tflite`) on a
// Google Coral Edge TPU with TensorFlow Lite's `benchmark_model`, the Edge
// TPU runtime (libedgetpu) loaded as external delegate (runtimes.md 3).
//
// Clock: the USB accelerator's clock is chosen by which libedgetpu is loaded,
// libedgetpu1-max (fast) or libedgetpu1-std (slow); the two packages conflict,
// so a host normally has one (runtimes.md 3.3). Prepare selects the library
// for the experiment's `clock`: `delegate_fast` / `delegate_slow` when set
// (e.g. both runtimes unpacked side by side), else `delegate` when `clock`
// equals `installed_clock`; a clock with no runtime is FAILED_PRECONDITION.
// Read-back: the device offers none for its clock, so Prepare checks that the
// chosen library file exists (for paths) and records its resolved path and
// variant; the environment says clock_read_back=none.
//
// Options (the device's `options:` map):
//   model_dir         required; the model is `<model_dir>/<stem>_edgetpu.tflite`,
//                     stem = topology plus "-p<pruning>" when pruned.
//   benchmark_model   tool path; default "benchmark_model" on PATH.
//   delegate          default "libedgetpu.so.1" (the installed runtime).
//   installed_clock   fast or slow (default slow: libedgetpu1-std is the default).
//   delegate_fast, delegate_slow   per-clock runtime libraries.
//   device            external delegate option device: usb (default), usb:0, pci:0.
//   num_threads       CPU threads for ops the TPU does not run; default 1.
//   env.NAME          environment of every launch (BENCHD_SIM_* for simulators).
// Parameters: precision INT8 (required), clock fast|slow (required; applied by
// Prepare), batch must be 1 (Edge TPU models are compiled for a fixed batch),
// topology (required), pruning (0, 100] (default 100).
// RunSettings: iterations -> --num_runs, warmup -> --warmup_runs (with
// --min_secs=0 and --warmup_min_secs=0 so the counts decide), repeats -> one
// benchmark_model per repeat, timeout for all repeats.
//
// Result: benchmark_model prints aggregates only, so the run has no
// per-inference samples. Summary, kind SYSTEM (Invoke time on the host, USB
// transfers included): count, mean, std (TFLite's population std converted to
// the sample std), min, max, median and p95 when printed; with several repeats
// count is summed, mean weighted, min/max over repeats, median the median of
// the repeats' medians, std and percentiles left out. fps = 1e6 / mean (batch
// 1; derived, the tool prints no throughput). Extra metrics: init_us,
// first_inference_us (includes the model upload to the TPU), warmup_mean_us,
// warmup_runs, p5_us.
//
// Failure codes (driver.h): FAILED_PRECONDITION for a precision other than
// INT8, a batch other than 1, a clock without a runtime or a model not in
// model_dir; INVALID_ARGUMENT for bad parameters; UNAVAILABLE when model_dir
// or a runtime file is missing or the tool fails; DATA_LOSS for unreadable
// output; DEADLINE_EXCEEDED, CANCELLED.
// Thread-safety: as Driver. The ProcessRunner must outlive the driver.

#include <atomic>
#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "agents/drivers/driver.h"
#include "common/process_runner.h"

namespace benchd::agent {

class EdgeTpuDriver final : public Driver {
 public:
  static constexpr const char* kName = "edgetpu";

  struct Options {
    std::string benchmark_model = "benchmark_model";
    std::string model_dir;
    std::string delegate = "libedgetpu.so.1";
    std::string installed_clock = "slow";
    std::map<std::string, std::string> clock_delegates;  // "fast"/"slow" -> library
    std::string device = "usb";
    int64_t num_threads = 1;
    std::map<std::string, std::string> environment;
  };

  // Errors: INVALID_ARGUMENT for an unknown option or a bad value.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<Driver>> Create(const DriverOptions& options,
                                                                      common::ProcessRunner& runner);

  EdgeTpuDriver(Options options, common::ProcessRunner& runner);

  const std::string& Name() const override { return name_; }
  std::vector<std::string> RequiredParameters() const override { return {"precision", "topology", "clock"}; }
  [[nodiscard]] absl::StatusOr<benchd::v1::Environment> Probe() override;
  [[nodiscard]] absl::StatusOr<benchd::v1::Environment> Prepare(const RunRequest& request,
                                                                const std::atomic<bool>& cancel) override;
  [[nodiscard]] absl::StatusOr<RunResult> Run(const RunRequest& request, const std::atomic<bool>& cancel) override;

 private:
  struct Plan;
  [[nodiscard]] absl::StatusOr<Plan> PlanRun(const RunRequest& request) const;

  const std::string name_ = kName;
  Options options_;
  common::ProcessRunner& runner_;
  std::string prepared_clock_;  // set by Prepare
  std::string prepared_delegate_;
};

}  // namespace benchd::agent
