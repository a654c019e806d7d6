#pragma once

// The simulated Jetson TX2's device state, shared by sim-nvpmodel,
// sim-jetson_clocks and sim-trtexec through small files in the simulator
// state directory (tool_args.h StateDir): the nvpmodel mode id ("nvpmodel")
// and whether jetson_clocks pinned the clocks ("jetson_clocks").
// The mode table is TX2's nvpmodel_t186.conf (runtimes.md 1.3).

#include <optional>
#include <string>

namespace benchd::sim {

struct Tx2Mode {
  int id;
  const char* name;            // as nvpmodel prints it
  const char* qutibench_mode;  // maxn / maxq / maxp: the published figures used
  int cpu_max_khz;
  long gpu_max_hz;
  const char* online_cpus;
};

// nullopt for an id TX2 does not have (0..4 exist).
std::optional<Tx2Mode> Tx2ModeById(int id);
// The current mode; TX2 boots in mode 3 (MAXP_CORE_ARM).
Tx2Mode CurrentTx2Mode();
bool SetTx2Mode(int id);
bool ClocksPinned();
bool SetClocksPinned(bool pinned);

}  // namespace benchd::sim
