// sim-nvpmodel: acts like L4T's `nvpmodel` on a Jetson TX2 for tests and
// demos. `-q [--verbose]` prints the current mode, `-m <id>` sets it (and, as
// on the board, drops clocks pinned by jetson_clocks). The mode persists in
// the simulator state directory (BENCHD_SIM_STATE_DIR), so a later `-q` and
// sim-trtexec see it.
// BENCHD_SIM_NVPMODEL_IGNORE_SET=1 makes `-m` report success without changing
// the mode, like a board whose mode change did not take: the read-back
// failure a driver must catch. BENCHD_SIM_FAILURE is left to the benchmark
// tools.

#include <cstdio>
#include <string>

#include "agents/sim/common/tool_args.h"
#include "agents/sim/jetson/tx2_state.h"

namespace {

int Usage() {
  std::fprintf(stderr,
               "Usage: nvpmodel [-m <mode id>] [-q [--verbose]] [-f <config file>]\n"
               "  -m  set the power mode\n  -q  query the current power mode\n");
  return 1;
}

int Query(bool verbose) {
  const benchd::sim::Tx2Mode mode = benchd::sim::CurrentTx2Mode();
  if (verbose) {
    std::printf("NVPM VERB: Config file: /etc/nvpmodel.conf\nNVPM VERB: parsing done for /etc/nvpmodel.conf\n");
    std::printf("NVPM VERB: Current mode: NV Power Mode: %s\n", mode.name);
    std::printf("NVPM VERB: PARAM CPU_ONLINE: %s\nNVPM VERB: PARAM GPU: MAX_FREQ: %ld\n", mode.online_cpus,
                mode.gpu_max_hz);
  }
  std::printf("NV Power Mode: %s\n%d\n", mode.name, mode.id);
  return 0;
}

int Set(const std::string& text) {
  int id = -1;
  try {
    size_t used = 0;
    id = std::stoi(text, &used);
    if (used != text.size()) id = -1;
  } catch (const std::exception&) {
    id = -1;
  }
  if (!benchd::sim::Tx2ModeById(id)) {
    std::fprintf(stderr, "NVPM ERROR: Invalid mode id: %s\n", text.c_str());
    return 1;
  }
  if (benchd::sim::EnvFlag("BENCHD_SIM_NVPMODEL_IGNORE_SET")) return 0;
  if (!benchd::sim::SetTx2Mode(id) || !benchd::sim::SetClocksPinned(false)) {
    std::fprintf(stderr, "NVPM ERROR: failed to write the power mode state in %s\n",
                 benchd::sim::StateDir().c_str());
    return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string first = argc > 1 ? argv[1] : "";
  if (first == "-q") return Query(argc > 2 && std::string(argv[2]) == "--verbose");
  if (first == "-m" && argc > 2) return Set(argv[2]);
  return Usage();
}
