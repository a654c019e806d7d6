// sim-test_performance: acts like a Vitis AI Library test_performance_<kind>
// program on a DPU board, with figures from QuTiBench's measurements.
//
//   sim-test_performance <model or .xmodel path> <image list> [-t threads] [-s seconds] [-l report]
//
// Like benchmark.hpp it takes options anywhere (getopt), the model first and
// the image list last, logs through glog to stderr and writes the report to
// stdout or the -l file: FPS=, then E2E_MEAN= and DPU_MEAN= (µs) for one
// thread, FPS= alone for more threads from Vitis AI 2.5 on. It does not wait
// for the seconds it is given (the figures are what the board measured)
// unless BENCHD_SIM_POWER_DIR is set: then the run takes real time
// (agents/sim/common/power_playback.h) and an hwmon chip named by the board's
// platform id (zcu102-dpu, zcu104-dpu, ultra96-dpu) under that directory
// follows it: the QuTiBench row's Idle_Pwr_W while the model and the images
// load (BENCHD_SIM_LOAD_MS), Full_Pwr_W for exactly the -s seconds the
// threads run (benchmark.hpp has no warm-up), Base_Pwr_W when the report is
// written. Unlike the real program, whose main thread waits in 10 s steps,
// it ends as soon as the seconds are over.
// A missing or empty image list, or a model this board has no figures for,
// ends it like LOG(FATAL) does (SIGABRT).
// Figures: QuTiBench <board>-DPU, INT8, the model's network, nearest thread
// count: FPS = fps-system, E2E_MEAN = lat-sys, DPU_MEAN = lat-comp.
// Environment: BENCHD_SIM_BOARD, BENCHD_SIM_VITIS_AI (dpu_board.h), the
// common BENCHD_SIM_* variables (simulation.h), BENCHD_SIM_POWER_DIR and
// BENCHD_SIM_LOAD_MS.

#include <getopt.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "agents/sim/common/power_playback.h"
#include "agents/sim/common/reference_data.h"
#include "agents/sim/common/simulation.h"
#include "agents/sim/vitis_dpu/dpu_board.h"

namespace benchd::sim {
namespace {

[[noreturn]] void Fatal(const std::string& where, const std::string& message) {
  std::cerr << GlogPrefix('F') << where << "] " << message << std::endl;
  std::cerr << "*** Check failure stack trace: ***" << std::endl;
  std::abort();
}

// "resnet50", "/opt/models/resnet50/resnet50.xmodel" -> QuTiBench's network.
std::optional<std::string> TopologyOfModel(const std::string& model) {
  std::string stem = model.substr(model.find_last_of('/') + 1);
  if (stem.size() > 7 && stem.ends_with(".xmodel")) stem.resize(stem.size() - 7);
  if (stem.starts_with("resnet50")) return "ResNet-50";
  if (stem.starts_with("inception_v1") || stem.starts_with("googlenet")) return "GoogLeNetv1";
  if (stem.starts_with("mobilenet_v1")) return "MobileNetv1";
  return std::nullopt;
}

bool NonEmptyFile(const std::string& path) {
  std::ifstream file(path);
  std::string line;
  while (std::getline(file, line)) {
    if (!line.empty()) return true;
  }
  return false;
}

int Main(int argc, char* argv[]) {
  int threads = 1;
  int seconds = 30;
  std::string report_file;
  int opt = 0;
  while ((opt = getopt(argc, argv, "t:s:l:")) != -1) {
    switch (opt) {
      case 't':
        threads = std::atoi(optarg);
        break;
      case 's':
        seconds = std::atoi(optarg);
        break;
      case 'l':
        report_file = optarg;
        break;
      default:
        std::cout << "usage: env dpbenchmark \n -l <log_file_name> \n -t <num_of_threads> \n -s <num_of_seconds> \n"
                     " <image list file> \n"
                  << std::endl;
        return 1;
    }
  }
  if (argc - optind < 2) {
    std::cerr << "Expected argument after options" << std::endl;
    return EXIT_FAILURE;
  }
  const std::string model = argv[optind];
  const std::string list = argv[argc - 1];
  if (threads < 1 || seconds < 1) Fatal("benchmark.hpp:150", "bad -t or -s");

  const Failure failure = FailureFromEnvironment();
  if (failure.mode == FailureMode::kExit) {
    std::cerr << GlogPrefix('E') << "dpu_controller.cpp:301] DPU timeout, the DPU is hung" << std::endl;
    return failure.exit_code;
  }
  if (!NonEmptyFile(list)) Fatal("benchmark.hpp:166", "list of images are empty [" + list + "]");
  const DpuBoard board = BoardFromEnvironment();
  const std::optional<std::string> topology = TopologyOfModel(model);
  if (!topology) Fatal("model_config.cpp:46", "cannot find model " + model);
  const std::optional<QutibenchRow> row = FindQutibench(board.hardware, *topology, "INT8", "", threads, 100);
  if (!row || !row->fps_system) {
    Fatal("dpu_runner.cpp:112", "model " + model + " was not compiled for this DPU (" + board.arch + ")");
  }

  std::cerr << "WARNING: Logging before InitGoogleLogging() is written to STDERR" << std::endl;
  std::cerr << GlogPrefix('I') << "benchmark.hpp:176] writing report to "
            << (report_file.empty() ? "<STDOUT>" : report_file) << std::endl;
  if (failure.mode == FailureMode::kHang) HangForever();
  for (int i = 0; i < seconds; i += 10) {
    std::cerr << GlogPrefix('I') << "benchmark.hpp:203] waiting for " << i << "/" << seconds << " seconds, "
              << threads << " threads running" << std::endl;
  }
  if (const std::optional<SimPowerSettings> power = SimPowerFromEnvironment()) {
    const std::optional<PowerFigures> figures = PowerFiguresOf(*row);
    if (!figures) Fatal("benchmark.hpp:190", "no QuTiBench power figures for " + board.hardware);
    const absl::Status played =
        PlayRunPower(*power, PowerLayout::kHwmon, board.Platform(), {*figures, {}}, {{}, std::chrono::seconds(seconds)});
    if (!played.ok()) Fatal("benchmark.hpp:190", std::string(played.message()));
  }
  std::cerr << GlogPrefix('I') << "benchmark.hpp:211] waiting for threads terminated" << std::endl;
  if (failure.mode == FailureMode::kTruncate) return 0;  // killed output: no report at all
  Noise noise;
  if (failure.mode == FailureMode::kGarbage) {
    PrintGarbage(noise.engine(), 512);
    return 0;
  }

  std::ofstream file;
  if (!report_file.empty()) file.open(report_file);
  std::ostream& out = report_file.empty() ? std::cout : file;
  // benchmark.hpp prints a float FPS and double means with the stream's
  // default six significant digits.
  char line[64];
  std::snprintf(line, sizeof(line), "FPS=%g\n", static_cast<float>(noise.Around(*row->fps_system)));
  out << line << std::flush;
  if (failure.mode == FailureMode::kCrash) CrashNow();
  if (threads == 1 || PrintsMeansForThreads(VitisAiVersionFromEnvironment())) {
    std::snprintf(line, sizeof(line), "E2E_MEAN=%g\n", noise.Around(row->lat_sys_ms.value_or(0) * 1000));
    out << line;
    std::snprintf(line, sizeof(line), "DPU_MEAN=%g\n", noise.Around(row->lat_comp_ms.value_or(0) * 1000));
    out << line;
  }
  out << std::flush;
  return 0;
}

}  // namespace
}  // namespace benchd::sim

int main(int argc, char* argv[]) { return benchd::sim::Main(argc, argv); }
