#pragma once

// The `bismo` driver: measures the BISMO bit-serial matrix multiplication
// overlay (ZCU104) with its runtime library's batch benchmark, `<app> b`,
// which reads one matrix multiply per stdin line,
//   <rows> <depth> <cols> <lhs bits> <rhs bits>
// until a line "0", and prints one instrumentation line per multiply
// (agents/parsers/bismo_parser.h). The driver lowers the network to its
// multiplies (agents/drivers/fpga_topologies.h: rows = output channels,
// depth = inputs, cols = batch x output pixels, bits = the precision's width
// for weights and activations), writes them, warm-up and timed inferences in
// order, to bismo-repeat-<r>.in in the run directory, and launches
// `<app> b` once per repeat with that file as its standard input.
//
// The overlay does every precision it was built for, so nothing is
// reconfigured (the platform has no configuration key); loading its bitstream
// (`load_bitfile.sh`, root) and setting the PL clock (`setclk.sh`) are the
// board's set-up. Probe benchmarks one small multiply to read the overlay's
// clock, peak rate and buffer size back.
//
// Options:
//   app         required: the BISMO benchmark program (BISMO's `app` / testapp)
//   env.<NAME>  environment of every launch
// Parameters: precision (INT1..INT8, required), topology (MLP or CNV,
// required), pruning (default 100), batch (1..4096, default 1).
// RunSettings: warmup and iterations are inferences per launch (zeros mean
// 1 and 10), repeats are launches (default 1); timeout_ms bounds the whole run
// (default 10 minutes).
//
// Result: per repeat, one sample per timed inference: the sum of its
// multiplies' run_cycles / fclk, in µs, kind COMPUTE (accelerator only:
// padding, parallel-to-serial conversion and copies excluded). Summary:
// latency statistics per batch; fps = batch x 1e6 / mean; gops = integer
// operations of the network x batch / mean; inferences = samples x batch.
// Extra metrics: batch, bits, layers, host_overhead_us (mean per inference of
// the mat_*_us figures, 0 when the build does not time them),
// achieved_binary_gops (binary operations / accelerator time over all timed
// multiplies), hw_peak_binary_gops, fclk_mhz, exec_efficiency_pct (mean of
// run_eff%_exec when reported).
//
// Phases (for power): per repeat from the run's own figures (ToolRunPhases):
// the program prints no wall time, so the sum of the timed inferences'
// accelerator times, counted back from its exit, is the measure window, the
// warm-up inferences' sum before it the warm-up, and the time before that
// (opening the overlay, reading the input) idle. Host steps between the
// multiplies are not in these sums, so on a board the windows are the
// accelerator time the latencies stand for, at the end of the run.
//
// Failure codes of `Run` (driver.h): INVALID_ARGUMENT for bad parameters;
// FAILED_PRECONDITION for another precision, an unknown topology or pruning,
// and when the runtime library rejects a multiply ("Exception: LHS is too
// large ..."); UNAVAILABLE when the app cannot be launched or fails;
// DEADLINE_EXCEEDED, CANCELLED; DATA_LOSS when its output does not parse or
// has fewer results than multiplies asked for.
// Thread-safety: as Driver. The ProcessRunner must outlive the driver.

#include <atomic>
#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "agents/drivers/driver.h"
#include "agents/parsers/bismo_parser.h"
#include "common/process_runner.h"

namespace benchd::agent {

class BismoDriver final : public Driver {
 public:
  static constexpr const char* kName = "bismo";

  struct Options {
    std::string app;
    std::map<std::string, std::string> env;
  };

  // Errors: INVALID_ARGUMENT for an unknown option, an empty value or a
  // missing app.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<Driver>> Create(const DriverOptions& options,
                                                                      common::ProcessRunner& runner);

  BismoDriver(Options options, common::ProcessRunner& runner);

  const std::string& Name() const override { return name_; }
  std::vector<std::string> RequiredParameters() const override { return {"precision", "topology"}; }
  [[nodiscard]] absl::StatusOr<benchd::v1::Environment> Probe() override;
  [[nodiscard]] absl::StatusOr<RunResult> Run(const RunRequest& request, const std::atomic<bool>& cancel) override;

 private:
  struct Batch {
    BismoReport report;
    common::ProcessOutcome outcome;  // its timing, for the phases
  };
  // Runs the app on the multiplies in `input_path` and parses its output;
  // `artifact_stem`, when not empty, names the raw-output copies.
  [[nodiscard]] absl::StatusOr<Batch> RunBatch(const std::string& input_path, const std::string& work_dir,
                                               const std::string& artifact_stem, std::chrono::milliseconds timeout,
                                               const std::atomic<bool>* cancel);

  const std::string name_ = kName;
  Options options_;
  common::ProcessRunner& runner_;
  benchd::v1::Environment probed_;
};

}  // namespace benchd::agent
