// sim-bismo-bench: acts like the BISMO runtime library's benchmark program
// (BISMO's `app` / testapp built from benchmark.hpp) on a ZCU104 overlay.
//
//   sim-bismo-bench b    batch mode: stdin lines "<rows> <depth> <cols> <lhsbits> <rhsbits>"
//                        until "0" or end of input; one header line of
//                        instrumentation keys, then one value line per multiply,
//                        every field followed by ", "
//   sim-bismo-bench i    interactive mode: the same with prompts and a header per run
//   sim-bismo-bench t    self-test: "All tests passed succesfully"
// Any other argument count prints the usage and exits 255 (main returns -1).
// Values print like std::cout prints a float (six significant digits).
// Cycles and figures: bismo_model.h. Failure modes (simulation.h) apply to
// the b and i modes; `no-fit` makes the runtime library reject the second
// multiply with "Exception: LHS is too large ...", after which, as the real
// program does, it goes on and exits 0.
//
// No real time passes unless BENCHD_SIM_POWER_DIR is set: then a b or i run
// takes real time (agents/sim/common/power_playback.h) and an hwmon chip
// "zcu104-bismo" under that directory follows it: Idle_Pwr_W while the
// runtime library opens the overlay (BENCHD_SIM_LOAD_MS), then Full_Pwr_W
// for exactly the sum of the printed multiplies' run_cycles / hw_fclk_mhz
// (the tool cannot tell warm-up from timed multiplies: they are all one
// stream of work to it), then Base_Pwr_W, and exits. The results are
// printed before the power plays (see below).
// Figures: bismo_model.h. Host steps (the mat_*_us figures) take no real
// time, so the accelerator time the driver counts back from the exit is the
// timed part. Environment: the common BENCHD_SIM_* variables (simulation.h),
// BENCHD_SIM_POWER_DIR, BENCHD_SIM_LOAD_MS.

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "agents/sim/bismo/bismo_model.h"
#include "agents/sim/common/power_playback.h"
#include "agents/sim/common/simulation.h"

namespace benchd::sim {
namespace {

std::string Field(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%g, ", static_cast<double>(static_cast<float>(value)));
  return buffer;
}

// `value` as `Field` prints it, so time spent matches the printed figures.
double Printed(double value) { return std::strtod(Field(value).c_str(), nullptr); }

std::string HeaderLine(const std::map<std::string, double>& data) {
  std::string line;
  for (const auto& [key, unused] : data) line += key + ", ";
  return line;
}

std::string ValueLine(const std::map<std::string, double>& data) {
  std::string line;
  for (const auto& [unused, value] : data) line += Field(value);
  return line;
}

int Main(int argc, char* argv[]) {
  if (argc != 2) {
    std::cout << "Run with cmdline argument: \nt to run tests\ni to run interactive benchmarking\n"
                 "c to run predefined CaffeNet benchmarking\nb to run batch-mode benchmarking"
              << std::endl;
    return 255;
  }
  const char mode = argv[1][0];
  if (mode == 't') {
    std::cout << "All tests passed succesfully" << std::endl;
    return 0;
  }
  if (mode != 'b' && mode != 'i') return 0;  // 'c' and others: nothing simulated
  const bool interactive = mode == 'i';

  std::vector<MatMul> matmuls;
  while (true) {
    if (interactive) std::cout << "Enter rows depth cols, 0 to exit " << std::endl;
    MatMul m;
    // Like benchmark.hpp: a failed read leaves 0 in rows, which ends the loop.
    if (!(std::cin >> m.rows) || m.rows == 0) break;
    std::cin >> m.depth >> m.cols;
    if (interactive) std::cout << "Enter lhs and rhs bits: " << std::endl;
    std::cin >> m.lhs_bits >> m.rhs_bits;
    matmuls.push_back(m);
  }

  const Failure failure = FailureFromEnvironment();
  if (failure.mode == FailureMode::kExit) {
    std::cerr << "bismo_rt: could not open the accelerator: /dev/uio0: Permission denied" << std::endl;
    return failure.exit_code;
  }
  Noise noise;
  if (failure.mode == FailureMode::kGarbage) {
    PrintGarbage(noise.engine(), 1024);
    return 0;
  }
  const std::vector<double> cycles = ModelCycles(matmuls);
  std::string out;
  double accelerator_us = 0;  // the printed multiplies' run_cycles / hw_fclk_mhz
  bool header_printed = false;
  for (size_t i = 0; i < matmuls.size(); ++i) {
    if (failure.mode == FailureMode::kNoFit && i == 1) {
      out += "Exception: LHS is too large and not currently supported in runtime library.\n";
      continue;
    }
    const std::map<std::string, double> data = Instrumentation(matmuls[i], noise.Around(cycles[i]));
    accelerator_us += Printed(data.at("run_cycles")) / Printed(data.at("hw_fclk_mhz"));
    if (!header_printed || interactive) out += HeaderLine(data) + "\n";
    header_printed = true;
    out += ValueLine(data) + "\n";
    if (failure.mode == FailureMode::kHang || failure.mode == FailureMode::kCrash) {
      std::cout << out << std::flush;
      if (failure.mode == FailureMode::kHang) HangForever();
      CrashNow();
    }
  }
  // A truncated run stops printing half-way, inside a line.
  if (failure.mode == FailureMode::kTruncate) out.resize(out.size() / 2);
  std::cout << out << std::flush;
  // The real program prints each multiply's line as it completes, so it exits
  // right after the last multiply; printing the lines (up to hundreds of KB)
  // after the timed part would move its exit late, off the window the driver
  // counts back from it. So they go out first, then the time is spent.
  if (const std::optional<SimPowerSettings> power = SimPowerFromEnvironment()) {
    const std::optional<PowerFigures> figures = BismoPowerFigures(matmuls);
    if (!figures) {
      std::cerr << "bismo_rt: no QuTiBench power figures for ZCU104-Bismo" << std::endl;
      return 1;
    }
    const absl::Status played =
        PlayRunPower(*power, PowerLayout::kHwmon, "zcu104-bismo", {*figures, {}}, {{}, FromMs(accelerator_us / 1000)});
    if (!played.ok()) {
      std::cerr << "bismo_rt: " << played.message() << std::endl;
      return 1;
    }
  }
  return 0;
}

}  // namespace
}  // namespace benchd::sim

int main(int argc, char* argv[]) { return benchd::sim::Main(argc, argv); }
