#include "agents/sim/vitis_dpu/dpu_board.h"

#include <sys/time.h>
#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <ctime>

namespace benchd::sim {

std::string DpuBoard::Platform() const {
  std::string platform = hardware;
  for (char& c : platform) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return platform;
}

DpuBoard BoardFromEnvironment() {
  // Architectures and clocks of the boards' Vitis AI reference designs.
  static const DpuBoard kBoards[] = {
      {"ZCU102", "ZCU102-DPU", "DPUCZDX8G_ISA1_B4096", 3, 281},
      {"ZCU104", "ZCU104-DPU", "DPUCZDX8G_ISA1_B4096", 2, 300},
      {"Ultra96", "Ultra96-DPU", "DPUCZDX8G_ISA1_B2304", 1, 300},
  };
  const char* name = std::getenv("BENCHD_SIM_BOARD");
  if (name == nullptr || *name == '\0') return kBoards[1];
  for (const DpuBoard& board : kBoards) {
    if (board.name == name) return board;
  }
  std::fprintf(stderr, "benchd sim: ignoring BENCHD_SIM_BOARD='%s': expected ZCU102, ZCU104 or Ultra96\n", name);
  return kBoards[1];
}

std::string VitisAiVersionFromEnvironment() {
  const char* version = std::getenv("BENCHD_SIM_VITIS_AI");
  return version != nullptr && *version != '\0' ? version : "3.0.0";
}

bool PrintsMeansForThreads(const std::string& version) {
  return version.rfind("1.", 0) == 0 || version.rfind("2.0", 0) == 0;
}

std::string GlogPrefix(char level) {
  timeval now{};
  gettimeofday(&now, nullptr);
  tm local{};
  localtime_r(&now.tv_sec, &local);
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), "%c%02d%02d %02d:%02d:%02d.%06ld %5d ", level, local.tm_mon + 1,
                local.tm_mday, local.tm_hour, local.tm_min, local.tm_sec, static_cast<long>(now.tv_usec),
                static_cast<int>(getpid()));
  return buffer;
}

}  // namespace benchd::sim
