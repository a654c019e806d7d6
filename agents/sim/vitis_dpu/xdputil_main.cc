// sim-xdputil: acts like Vitis AI's `xdputil query` on the board that
// BENCHD_SIM_BOARD names, printing the JSON the real tool prints (DPU IP
// spec, Vitis AI library versions, one kernel per DPU core).
//   sim-xdputil query
// Other subcommands print xdputil's usage and exit 1. BENCHD_SIM_FAILURE=exit:N
// makes it fail like a board without a DPU.

#include <iostream>
#include <string>

#include "agents/sim/common/simulation.h"
#include "agents/sim/vitis_dpu/dpu_board.h"

namespace benchd::sim {
namespace {

int Main(int argc, char* argv[]) {
  if (argc != 2 || std::string(argv[1]) != "query") {
    std::cerr << "usage: xdputil <subcommand> [args]\n  query    show DPU and library information" << std::endl;
    return 1;
  }
  const Failure failure = FailureFromEnvironment();
  if (failure.mode == FailureMode::kExit) {
    std::cerr << GlogPrefix('F') << "xdputil_query.cpp:90] no DPU found: /dev/dri/renderD128 missing" << std::endl;
    return failure.exit_code;
  }
  const DpuBoard board = BoardFromEnvironment();
  const std::string version = VitisAiVersionFromEnvironment();
  std::cout << "{\n    \"DPU IP Spec\":{\n        \"DPU Core Count\":" << board.cores
            << ",\n        \"IP version\":\"v4.1.0\",\n        \"regmap\":\"1to1 version\"\n    },\n"
            << "    \"VAI Version\":{\n"
            << "        \"libvart-runner.so\":\"Xilinx vart-runner Version: " << version << "-sim \",\n"
            << "        \"libxir.so\":\"Xilinx xir Version: xir-sim\",\n"
            << "        \"target_factory\":\"target-factory." << version << " sim\"\n    },\n"
            << "    \"kernels\":[\n";
  for (int core = 0; core < board.cores; ++core) {
    std::cout << "        {\n            \"DPU Arch\":\"" << board.arch << "\",\n"
              << "            \"DPU Frequency (MHz)\":" << board.frequency_mhz << ",\n"
              << "            \"IP Type\":\"DPU\",\n            \"cu_idx\":" << core << ",\n"
              << "            \"cu_name\":\"DPUCZDX8G:DPUCZDX8G_" << core + 1 << "\",\n"
              << "            \"name\":\"DPU Core " << core << "\"\n        }" << (core + 1 < board.cores ? "," : "")
              << "\n";
  }
  std::cout << "    ]\n}" << std::endl;
  return 0;
}

}  // namespace
}  // namespace benchd::sim

int main(int argc, char* argv[]) { return benchd::sim::Main(argc, argv); }
