#pragma once

// The DPU boards the Vitis AI simulators stand for, chosen by the environment
// variable BENCHD_SIM_BOARD (ZCU102, ZCU104 or Ultra96; default ZCU104), and
// the Vitis AI release they imitate, BENCHD_SIM_VITIS_AI (default 3.0.0):
// releases from 2.5 on print only FPS= for more than one thread.
// Thread-safety: pure functions over the environment.

#include <string>

namespace benchd::sim {

struct DpuBoard {
  std::string name;      // ZCU102, ZCU104, Ultra96
  std::string hardware;  // QuTiBench's HWType: ZCU102-DPU, ...
  std::string arch;      // DPUCZDX8G_ISA1_B4096, ...
  int cores = 1;
  int frequency_mhz = 300;

  // The agent's platform id, `hardware` in lower case (zcu102-dpu, ...):
  // the name of its simulated power chip.
  std::string Platform() const;
};

// Unknown names are reported on stderr and fall back to ZCU104.
DpuBoard BoardFromEnvironment();

// "3.0.0" unless BENCHD_SIM_VITIS_AI says otherwise.
std::string VitisAiVersionFromEnvironment();

// True when the release prints E2E_MEAN and DPU_MEAN for several threads
// (1.x and 2.0): major version 1, or 2.0.
bool PrintsMeansForThreads(const std::string& version);

// glog's line prefix for severity `level` ('I', 'E', 'F'): "I0110 18:53:33.324429  8773 ".
std::string GlogPrefix(char level);

}  // namespace benchd::sim
