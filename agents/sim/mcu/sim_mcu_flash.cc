// sim-mcu-flash: stands in for the flasher of the `mcu-tflm` driver (its
// `flash_command`, e.g. ["sim-mcu-flash", "--state", "/tmp/board0", "{binary}"]).
// Checks that the binary is a firmware image built by sim-mcu-build for the
// board, then "writes it to flash": records it in the board's state
// directory, which resets the sim-mcu-board watching that directory.
//
// Usage: sim-mcu-flash --state DIR [--board NAME] BINARY
// Exit status: 0 flashed, 1 not an image (or for another board), 2 usage.
// BENCHD_SIM_FAILURE hang, crash and exit:N act on the flasher itself; the
// board-side modes (no-answer, garbage, truncate, no-fit) are recorded with
// the firmware, so the board misbehaves after this reset.

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>

#include "agents/sim/common/simulation.h"
#include "agents/sim/mcu/firmware_image.h"

namespace {

constexpr int kExitBadImage = 1;
constexpr int kExitUsage = 2;

int Usage(const std::string& why) {
  std::cerr << "sim-mcu-flash: " << why << "\nusage: sim-mcu-flash --state DIR [--board NAME] BINARY\n";
  return kExitUsage;
}

}  // namespace

int main(int argc, char** argv) {
  std::string state_dir;
  std::string board;
  std::string binary;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if ((arg == "--state" || arg == "--board") && i + 1 < argc) {
      (arg == "--state" ? state_dir : board) = argv[++i];
    } else if (arg.rfind("--", 0) == 0 || !binary.empty()) {
      return Usage("unexpected argument '" + arg + "'");
    } else {
      binary = arg;
    }
  }
  if (state_dir.empty() || binary.empty()) return Usage("--state and BINARY are required");

  const benchd::sim::Failure failure = benchd::sim::FailureFromEnvironment();
  switch (failure.mode) {
    case benchd::sim::FailureMode::kHang: benchd::sim::HangForever();
    case benchd::sim::FailureMode::kCrash: benchd::sim::CrashNow();
    case benchd::sim::FailureMode::kExit:
      std::cerr << "sim-mcu-flash: Failed to connect to target\n";
      return failure.exit_code;
    default: break;
  }
  std::string error;
  const std::optional<benchd::sim::mcu::BuildConfig> firmware = benchd::sim::mcu::ReadFirmwareImage(binary, &error);
  if (!firmware) {
    std::cerr << "sim-mcu-flash: " << error << "\n";
    return kExitBadImage;
  }
  if (!board.empty() && benchd::sim::mcu::FindBoard(board) != benchd::sim::mcu::FindBoard(firmware->board)) {
    std::cerr << "sim-mcu-flash: the image is built for " << firmware->board << ", the target is " << board << "\n";
    return kExitBadImage;
  }
  benchd::sim::mcu::BoardState state;
  state.firmware = *firmware;
  const char* mode = std::getenv("BENCHD_SIM_FAILURE");
  state.failure = mode != nullptr ? mode : "";
  std::error_code size_error;
  state.image_bytes = static_cast<int64_t>(std::filesystem::file_size(binary, size_error));
  if (!benchd::sim::mcu::WriteBoardState(state_dir, state)) {
    std::cerr << "sim-mcu-flash: cannot write the board state in '" << state_dir << "'\n";
    return kExitUsage;
  }
  // st-flash's closing lines, so logs look like a real flash.
  std::cout << "Flash written and verified! jolly good!\n"
            << "flashed " << firmware->model << " " << firmware->dtype << " to " << firmware->board << " ("
            << state.image_bytes << " bytes)\n";
  return 0;
}
