// sim-jetson_clocks: acts like L4T's `jetson_clocks` on a Jetson TX2 for
// tests and demos. No argument pins the clocks at the current nvpmodel mode's
// maxima; `--store [file]` saves whether they are pinned, `--restore [file]`
// brings that back, `--show` prints the clock state (runtimes.md 1.3 shape).
// State lives in the simulator state directory (BENCHD_SIM_STATE_DIR).

#include <cstdio>
#include <fstream>
#include <string>

#include "agents/sim/common/tool_args.h"
#include "agents/sim/jetson/tx2_state.h"

namespace {

std::string StoreFile(int argc, char** argv) {
  return argc > 2 ? argv[2] : benchd::sim::StateDir() + "/l4t_dfs.conf";
}

int Show() {
  const benchd::sim::Tx2Mode mode = benchd::sim::CurrentTx2Mode();
  const bool pinned = benchd::sim::ClocksPinned();
  const long cpu_min = pinned ? mode.cpu_max_khz : 345600;
  const long gpu_min = pinned ? mode.gpu_max_hz : 114750000;
  std::printf("SOC family:tegra186  Machine:quill\nOnline CPUs: %s\n", mode.online_cpus);
  for (int cpu = 0; cpu < 6; ++cpu) {
    std::printf("cpu%d: Online=1 Governor=schedutil MinFreq=%ld MaxFreq=%d CurrentFreq=%d IdleStates: C1=%d c7=%d\n",
                cpu, cpu_min, mode.cpu_max_khz, mode.cpu_max_khz, pinned ? 0 : 1, pinned ? 0 : 1);
  }
  std::printf("GPU MinFreq=%ld MaxFreq=%ld CurrentFreq=%ld\n", gpu_min, mode.gpu_max_hz, mode.gpu_max_hz);
  std::printf("EMC MinFreq=40800000 MaxFreq=1866000000 CurrentFreq=1866000000 FreqOverride=%d\n", pinned ? 1 : 0);
  std::printf("Fan: speed=%d\nNV Power Mode: %s\n", pinned ? 255 : 0, mode.name);
  return 0;
}

int Store(const std::string& file) {
  std::ofstream out(file, std::ios::trunc);
  out << (benchd::sim::ClocksPinned() ? "pinned" : "free") << "\n";
  if (!out) {
    std::fprintf(stderr, "jetson_clocks: cannot write %s\n", file.c_str());
    return 1;
  }
  return 0;
}

int Restore(const std::string& file) {
  std::ifstream in(file);
  std::string state;
  if (!in || !std::getline(in, state)) {
    std::fprintf(stderr, "jetson_clocks: %s not found, run --store first\n", file.c_str());
    return 1;
  }
  return benchd::sim::SetClocksPinned(state == "pinned") ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string first = argc > 1 ? argv[1] : "";
  if (first.empty()) return benchd::sim::SetClocksPinned(true) ? 0 : 1;
  if (first == "--show") return Show();
  if (first == "--store") return Store(StoreFile(argc, argv));
  if (first == "--restore") return Restore(StoreFile(argc, argv));
  if (first == "--fan") return 0;
  std::fprintf(stderr, "Usage: jetson_clocks [--show|--store [file]|--restore [file]|--fan]\n");
  return 1;
}
