#pragma once

// The `openvino` driver: measures a model on an Intel Neural Compute Stick 2
// (Myriad X) with OpenVINO's `benchmark_app` (runtimes.md 2; MYRIAD needs
// OpenVINO <= 2022.3).
//
// Options (the device's `options:` map):
//   model_dir       required; the model is `<model_dir>/<stem>.xml` (IR;
//                   model_format onnx: `<stem>.onnx`), stem being the topology
//                   plus "-p<pruning>" when pruned, e.g. "MLP-p12.5".
//   model_format    xml (default) or onnx.
//   benchmark_app   tool path; default "benchmark_app" on PATH.
//   device          -d value; default MYRIAD (MYRIAD.<port> picks a stick).
//   api             sync (default) or async; a run parameter `api` overrides.
//   nireq, nstreams -nireq / -nstreams; default left to benchmark_app; run
//                   parameters of the same names override.
//   env.NAME        environment of every launch (BENCHD_SIM_* for simulators).
// Parameters: precision FP16 (required; MYRIAD runs FP16 only), batch [1, 256]
// (default 1, -b), topology (required), pruning (0, 100] (default 100), api,
// nireq, nstreams.
// RunSettings: iterations -> -niter (async rounds it up to a multiple of
// nireq), repeats -> one benchmark_app per repeat, timeout for all repeats;
// warmup does not apply: benchmark_app runs one warm-up inference itself.
//
// Result: benchmark_app reports summary statistics only, so the run has no
// per-inference samples; the summary holds what the tool printed, per request
// (one batch), kind SYSTEM: count; mean (2022 Average; for 2021, which prints
// the median only, Duration / Count in sync mode, else 0); median, min, max
// (2021: median only); p90 etc. when printed. With several repeats, count is
// summed, mean weighted by count, min/max taken over repeats and the median is
// the median of the repeats' medians. fps is the tool's FPS (images/s, batch
// included; derived from the median in 2021 sync mode, recorded as
// throughput_derived). In async mode with several requests the latency
// includes queueing: the environment says latency_scope=queued and api=async.
// Extra metrics: first_inference_us, throughput_fps, iterations, batch.
//
// Failure codes (driver.h): FAILED_PRECONDITION for a precision other than
// FP16 or a model not in model_dir; INVALID_ARGUMENT for bad parameters; all
// before launching. UNAVAILABLE when model_dir is missing or benchmark_app
// fails (stick missing or re-enumerating), DATA_LOSS for unreadable output,
// DEADLINE_EXCEEDED, CANCELLED.
// Probe fails (UNAVAILABLE) when `benchmark_app -h` does not list the device.
// Thread-safety: as Driver. The ProcessRunner must outlive the driver.

#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "agents/drivers/driver.h"
#include "common/process_runner.h"

namespace benchd::agent {

class OpenVinoDriver final : public Driver {
 public:
  static constexpr const char* kName = "openvino";

  struct Options {
    std::string benchmark_app = "benchmark_app";
    std::string model_dir;
    std::string model_extension = ".xml";
    std::string device = "MYRIAD";
    std::string api = "sync";
    std::optional<int64_t> nireq;
    std::optional<int64_t> nstreams;
    std::map<std::string, std::string> environment;
  };

  // Errors: INVALID_ARGUMENT for an unknown option or a bad value.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<Driver>> Create(const DriverOptions& options,
                                                                      common::ProcessRunner& runner);

  OpenVinoDriver(Options options, common::ProcessRunner& runner);

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
};

}  // namespace benchd::agent
