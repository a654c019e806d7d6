#pragma once

// The `finn` driver: measures a FINN dataflow accelerator on a Zynq board
// (ZCU104) with the PYNQ driver FINN generates, launched once per sample as
//   <python> <package>/driver/driver.py --exec_mode throughput_test
//       --platform <platform> --batchsize <batch>
//       --bitfile <package>/bitfile/finn-accel.bit
//       [--runtime_weight_dir <package>/driver/runtime_weights/]
// in the run's directory, where driver.py writes nw_metrics.txt
// (agents/parsers/finn_metrics_parser.h). One throughput_test times a single
// accelerator execution, so the driver repeats it to get a distribution.
//
// Accelerators: a FINN build is specific to a network, its precision and its
// pruning, and so is its generated driver. `bitstream_dir` holds one FINN
// deployment package per accelerator, named <topology>-<precision>-<pruning>
// (e.g. "MLP-INT2-12.5", "CNV-INT4-100"), each with FINN's layout:
// bitfile/finn-accel.bit and driver/driver.py (+ driver_base.py,
// runtime_weights/). `--runtime_weight_dir` is passed when the package has a
// driver/runtime_weights directory, because FINN resolves it relative to the
// working directory otherwise.
//
// Prepare (called when the precision changes) resolves the package, checks
// that its bitfile and driver exist and records the bitfile's SHA-256. PYNQ
// downloads the overlay inside driver.py on every launch, so nothing is
// loaded here; the hash says which bitstream the measurements came from. A
// topology or pruning change needs another bitstream too, although it leaves
// the platform's configuration key alone, so Run prepares again itself when
// the package it needs is not the prepared one.
//
// Options:
//   bitstream_dir  required: the directory of deployment packages
//   python         default "python3"
//   platform       zynq-iodma (default) or alveo
//   env.<NAME>     environment of every launch (e.g. env.XILINX_XRT)
// Parameters: topology (required), precision (INT<n>, required), pruning
// (default 100), batch (1..1048576, default 1).
// RunSettings: each repeat launches warmup + iterations throughput tests and
// keeps the last `iterations`; zeros mean warmup 1, iterations 10, repeats 1;
// timeout_ms bounds the whole run (default 10 minutes).
//
// Result: per repeat, one sample per kept launch: runtime[ms] in µs, kind
// COMPUTE, the latency of one batch (DMA in, compute, DMA out). Summary:
// latency statistics per batch over all samples; fps = batch x 1e6 / mean;
// gops from the QuTiBench layer table when the topology has one (MLP, CNV);
// inferences = samples x batch. Extra metrics (means over kept launches):
// batch, throughput_tool (the tool's images/s), fclk_mhz, dram_in_mb_s,
// dram_out_mb_s, <host step>_us for each host overhead FINN reports.
// Environment: package, bitfile, bitfile_sha256, metrics_keys
// (current|legacy), python and pynq versions from Probe.
// Phases (for power): each launch from its own figures (ToolRunPhases): the
// last runtime[ms] before the process ended is the timed execution, measure
// for a kept launch and warm-up for a warm-up one; the time before it (PYNQ
// downloading the overlay, allocating buffers) is idle. Small networks run
// for microseconds, far shorter than a meter's sample period and than
// driver.py's own exit: the agent then refuses the figure with a warning
// (run_power.h, kMinSamplesPerFigure) rather than report the power around
// the exit as the accelerator's.
//
// Failure codes of `Run`/`Prepare` (driver.h): INVALID_ARGUMENT for bad
// parameters (a topology that is not one path component included);
// FAILED_PRECONDITION when no package exists for the topology, precision and
// pruning, or it lacks its bitfile or driver; UNAVAILABLE when python cannot
// be launched or driver.py fails (a traceback's tail is in the message);
// DEADLINE_EXCEEDED, CANCELLED; DATA_LOSS when driver.py wrote no or a
// malformed nw_metrics.txt; INTERNAL when it measured another batch size.
// Thread-safety: as Driver. The ProcessRunner must outlive the driver.

#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "agents/drivers/driver.h"
#include "agents/parsers/finn_metrics_parser.h"
#include "common/process_runner.h"

namespace benchd::agent {

class FinnDriver final : public Driver {
 public:
  static constexpr const char* kName = "finn";
  // The probe snippet; the PYNQ image's Python prints "python X" and "pynq Y".
  static constexpr const char* kProbeCode =
      "import sys, pynq; print('python', sys.version.split()[0]); print('pynq', pynq.__version__)";

  struct Options {
    std::string bitstream_dir;
    std::string python = "python3";
    std::string platform = "zynq-iodma";
    std::map<std::string, std::string> env;
  };

  // Errors: INVALID_ARGUMENT for an unknown option, a bad value or a missing
  // bitstream_dir.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<Driver>> Create(const DriverOptions& options,
                                                                      common::ProcessRunner& runner);

  FinnDriver(Options options, common::ProcessRunner& runner);

  const std::string& Name() const override { return name_; }
  std::vector<std::string> RequiredParameters() const override { return {"precision", "topology"}; }
  [[nodiscard]] absl::StatusOr<benchd::v1::Environment> Probe() override;
  [[nodiscard]] absl::StatusOr<benchd::v1::Environment> Prepare(const RunRequest& request,
                                                                const std::atomic<bool>& cancel) override;
  [[nodiscard]] absl::StatusOr<RunResult> Run(const RunRequest& request, const std::atomic<bool>& cancel) override;

 private:
  struct Accelerator;  // what the parameters select
  struct Prepared {
    std::string package;  // directory
    benchd::v1::Environment environment;
  };

  [[nodiscard]] absl::StatusOr<Accelerator> SelectAccelerator(const benchd::v1::Parameters& parameters) const;
  [[nodiscard]] absl::StatusOr<Prepared> PrepareAccelerator(const Accelerator& accelerator) const;
  // One throughput test's figures and the phases of its process, its
  // execution marked as measure.
  struct Launched {
    FinnMetrics metrics;
    std::vector<PhaseMark> phases;
  };
  // One throughput test in `work_dir`; appends its output to `log`.
  [[nodiscard]] absl::StatusOr<Launched> RunOnce(const std::vector<std::string>& argv, const std::string& work_dir,
                                                 std::chrono::milliseconds timeout, const std::atomic<bool>& cancel,
                                                 std::string* log);

  const std::string name_ = kName;
  Options options_;
  common::ProcessRunner& runner_;
  std::optional<Prepared> prepared_;
  benchd::v1::Environment probed_;
};

}  // namespace benchd::agent
