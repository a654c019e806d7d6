#pragma once

// The `jetson` driver: measures a model on an NVIDIA Jetson (TX2) with
// TensorRT's `trtexec`, in the power mode the experiment names.
//
// Options (the device's `options:` map):
//   model_dir      required; models are `<model_dir>/<stem>.onnx` (model_format
//                  onnx: trtexec builds the engine, with --fp16 for FP16) or
//                  `<model_dir>/<stem>_<fp16|fp32>.engine` (engine: prebuilt,
//                  --loadEngine), where stem is the topology plus "-p<pruning>"
//                  when pruned, e.g. "MLP-p12.5" (tool_driver_support.h).
//   model_format   onnx (default) or engine.
//   batch_mode     explicit (default: --shapes=<input_name>:<N>x<input_dims>)
//                  or implicit (--batch=N, UFF/Caffe-era engines).
//   input_name     input tensor name for --shapes; default "input".
//   input_dims     per-item input dims, e.g. 3x224x224; default by topology:
//                  MLP 784, CNV 3x32x32, others 3x224x224.
//   trtexec        default /usr/src/tensorrt/bin/trtexec.
//   nvpmodel, jetson_clocks   tool paths; default looked up on PATH.
//   jetson_clocks_pin  true (default) runs jetson_clocks after nvpmodel.
//   jetson_clocks_store  file for `jetson_clocks --store/--restore`; default
//                  the tool's own.
//   power_modes    "maxn=0,maxq=1,maxp=2" (default, TX2) maps sweep values to
//                  nvpmodel ids.
//   warmup_ms      trtexec --warmUp (milliseconds, trtexec's unit); default 200.
//   duration_s     trtexec --duration; default 0, so --iterations decides.
//   env.NAME       environment of every tool launched (simulators read
//                  BENCHD_SIM_* from it).
// Parameters: precision FP16 or FP32 (required), batch [1, 4096] (default 1),
// topology (required string), pruning (0, 100] (default 100), power_mode
// (required; applied by Prepare, the configuration key).
// RunSettings: iterations -> --iterations, repeats -> one trtexec per repeat,
// timeout for all repeats; warmup (a count) does not apply, as trtexec warms
// up for a time (warmup_ms).
//
// Result: per-inference samples from `--exportTimes`, warm-up dropped: the
// trace's last N queries, N being the summary's timed query count (which must
// agree within one query with trtexec's rule "compute starts after --warmUp
// ms", since the trace rounds times to 6 digits). Each sample is "Latency" =
// H2D + compute + D2H of one query (one batch), kind SYSTEM; t_ns is left
// empty, since trtexec's times are relative to its own start, which the agent
// cannot observe. The summary's latency comes from those samples; fps is
// trtexec's throughput as items/s (x batch for explicit batch, as printed for
// implicit batch); extra metrics: compute_{mean,median,p99,min,max}_us (GPU Compute Time, kind
// COMPUTE), end_to_end_mean_us (incl. waiting for the previous query),
// throughput_qps, batch, timed_queries.
//
// Failure codes (driver.h): FAILED_PRECONDITION for a precision other than
// FP16/FP32 (TX2 has no fast INT8), an unknown power mode or a model not in
// model_dir, INVALID_ARGUMENT for bad parameters, all before launching;
// UNAVAILABLE when model_dir is missing, a tool fails or the mode read back
// differs; DATA_LOSS / INTERNAL for unreadable output or a trace that
// disagrees with the summary; DEADLINE_EXCEEDED, CANCELLED.
// Privileges: nvpmodel and jetson_clocks need root (see jetson_power_modes.h);
// trtexec does not.
// Thread-safety: as Driver. The ProcessRunner must outlive the driver.

#include <atomic>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "agents/drivers/driver.h"
#include "agents/drivers/jetson_power_modes.h"
#include "agents/parsers/trtexec_parser.h"
#include "common/process_runner.h"

namespace benchd::agent {

class JetsonDriver final : public Driver {
 public:
  static constexpr const char* kName = "jetson";

  struct Options {
    std::string trtexec = "/usr/src/tensorrt/bin/trtexec";
    std::string model_dir;
    bool engine_files = false;    // model_format: engine
    bool implicit_batch = false;  // batch_mode: implicit
    std::string input_name = "input";
    std::string input_dims;  // empty: by topology
    int64_t warmup_ms = 200;
    int64_t duration_s = 0;
    JetsonModeOptions modes;  // nvpmodel, jetson_clocks, mode table, environment
  };

  // Errors: INVALID_ARGUMENT for an unknown option or a bad value.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<Driver>> Create(const DriverOptions& options,
                                                                      common::ProcessRunner& runner);

  JetsonDriver(Options options, common::ProcessRunner& runner);

  const std::string& Name() const override { return name_; }
  std::vector<std::string> RequiredParameters() const override { return {"precision", "topology", "power_mode"}; }
  [[nodiscard]] absl::StatusOr<benchd::v1::Environment> Probe() override;
  [[nodiscard]] absl::StatusOr<benchd::v1::Environment> Prepare(const RunRequest& request,
                                                                const std::atomic<bool>& cancel) override;
  [[nodiscard]] absl::Status Check(const RunRequest& request) const override;
  [[nodiscard]] absl::StatusOr<RunResult> Run(const RunRequest& request, const std::atomic<bool>& cancel) override;
  [[nodiscard]] absl::Status Teardown() override;

 private:
  struct Plan;
  struct RepeatOutcome;

  [[nodiscard]] absl::StatusOr<Plan> PlanRun(const RunRequest& request) const;
  [[nodiscard]] absl::StatusOr<RepeatOutcome> RunRepeat(const Plan& plan, int repeat, std::chrono::milliseconds timeout,
                                                        const std::string& work_dir, const std::atomic<bool>& cancel);

  const std::string name_ = kName;
  Options options_;
  common::ProcessRunner& runner_;
  JetsonPowerModes modes_;
};

}  // namespace benchd::agent
