#pragma once

// The `vitis-dpu` driver: measures a Vitis AI DPU (DPUCZDX8G on ZCU102,
// ZCU104, Ultra96) with the Vitis AI Library's `test_performance_<kind>`
// program, launched as
//   <tool> <model> <image list> -t <threads> -s <seconds>
// once per repeat, and parses its report (agents/parsers/vitis_perf_parser.h).
// Probe runs `xdputil query` for the DPU architecture, clock, core count and
// Vitis AI version.
//
// Options (the device's `options:` map):
//   tool        the test_performance program; default
//               "test_performance_classification" (on PATH)
//   xdputil     default "xdputil"
//   image_list  required: the list file of test images
//   model_dir   optional: a directory of `<model>/<model>.xmodel`; the first
//               argument is then that path (checked before launch), else the
//               model name, which Vitis AI looks up in its model directory
//   seconds     run length of one repeat, 1..3600; default 30
//   model.<Topology>           the Vitis AI model for a sweep topology;
//               built in: ResNet-50=resnet50, GoogLeNetv1=inception_v1,
//               MobileNetv1=mobilenet_v1_1_0_224
//   model.<Topology>@<pruning> the model for a pruned variant
//   env.<NAME>  environment of every launched tool (e.g. env.XLNX_VART_FIRMWARE)
// Parameters of a run:
//   precision  INT8 (the only DPUCZDX8G precision)
//   topology   required, a key of the model table
//   pruning    default 100; other values need a model.<Topology>@<pruning>
//   threads    1..64: `-t`, the QuTiBench batch/thread column; `batch` is
//              accepted as its synonym, and both must agree when both are given
//   seconds    overrides the option
// RunSettings: repeats (default 1) launches; warmup and iterations do not
// apply (the tool runs for a duration); timeout_ms bounds the whole run, by
// default repeats x (seconds + 120 s) for model loading.
//
// Result: the tool prints no per-inference latencies, so the run has no
// samples (`repeats` is empty) rather than made-up ones. The summary holds
// what was reported: fps = mean FPS over repeats (images/s, all threads);
// latency (kind SYSTEM) has only count and mean_us: the E2E_MEAN of each
// repeat weighted by its call count, estimated as FPS x seconds (one image per
// call on a DPUCZDX8G); its other fields stay zero. Extra metrics:
// dpu_mean_us (COMPUTE, weighted alike), threads, seconds. When the release
// prints only FPS (2.5+ with more than one thread) the latency stays empty
// and the environment says report=fps-only.
//
// Phases (for power): per repeat (ToolRunPhases), the last `seconds` before
// the tool exited are the measure window (its threads infer for exactly that
// long; there is no warm-up) and the time before them (loading the model and
// the images) idle. The tool's main thread waits in steps (5 s in Vitis AI
// 1.x, 10 s later) before it reports and exits, so on a board the window
// ends at the threads' end only when `seconds` is a multiple of the step.
//
// Failure codes of `Run` (driver.h): INVALID_ARGUMENT for bad parameters,
// FAILED_PRECONDITION for another precision, an unknown topology or pruning,
// or a model file missing under model_dir; UNAVAILABLE when the tool cannot
// be launched, crashes or exits non-zero (a missing model makes it abort);
// DEADLINE_EXCEEDED, CANCELLED; DATA_LOSS when its report does not parse.
// Thread-safety: as Driver. The ProcessRunner must outlive the driver.

#include <atomic>
#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "agents/drivers/driver.h"
#include "agents/parsers/vitis_perf_parser.h"
#include "common/process_runner.h"

namespace benchd::agent {

class VitisDpuDriver final : public Driver {
 public:
  static constexpr const char* kName = "vitis-dpu";

  struct Options {
    std::string tool = "test_performance_classification";
    std::string xdputil = "xdputil";
    std::string image_list;
    std::string model_dir;
    int seconds = 30;
    std::map<std::string, std::string> models;  // topology[@pruning] -> model name
    std::map<std::string, std::string> env;
  };

  // Errors: INVALID_ARGUMENT for an unknown option, a bad value, or a
  // missing image_list.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<Driver>> Create(const DriverOptions& options,
                                                                      common::ProcessRunner& runner);

  VitisDpuDriver(Options options, common::ProcessRunner& runner);

  const std::string& Name() const override { return name_; }
  std::vector<std::string> RequiredParameters() const override { return {"precision", "topology"}; }
  [[nodiscard]] absl::StatusOr<benchd::v1::Environment> Probe() override;
  [[nodiscard]] absl::Status Check(const RunRequest& request) const override;
  [[nodiscard]] absl::StatusOr<RunResult> Run(const RunRequest& request, const std::atomic<bool>& cancel) override;

 private:
  struct Plan;
  [[nodiscard]] absl::StatusOr<Plan> PlanRun(const RunRequest& request) const;

  const std::string name_ = kName;
  Options options_;
  common::ProcessRunner& runner_;
  benchd::v1::Environment probed_;  // what the last Probe read; added to every run
};

}  // namespace benchd::agent
