#pragma once

// The files the MCU simulators pass between them, standing in for a
// firmware binary and for the flash memory of a board:
//
// firmware image (written by sim-mcu-build, read by sim-mcu-flash): the first
//   line is `BENCHD-SIM-FIRMWARE 1 <json of the build config>`, then filler
//   bytes derived from the config up to the binary's realistic size, so that
//   different builds have different sizes and SHA-256 hashes.
// board state (written by sim-mcu-flash into the board's state directory,
//   watched by sim-mcu-board): `flashed.json` =
//   {"firmware": <config>, "failure": "<BENCHD_SIM_FAILURE of the flasher>",
//    "image_bytes": N}. It is replaced atomically (write, then rename), and
//   every replacement is a reset of the board.
// Thread-safety: plain functions over files.

#include <optional>
#include <string>

#include "agents/sim/mcu/mcu_model.h"

namespace benchd::sim::mcu {

inline constexpr char kStateFile[] = "flashed.json";

// Writes the image; false (and a message on stderr) on an I/O error.
bool WriteFirmwareImage(const std::string& path, const BuildConfig& config, int64_t size_bytes);
// The config of an image, or nullopt (and why, in `error`) when the file is
// not an image of ours.
std::optional<BuildConfig> ReadFirmwareImage(const std::string& path, std::string* error);

struct BoardState {
  BuildConfig firmware;
  std::string failure;  // "" or a BENCHD_SIM_FAILURE value
  int64_t image_bytes = 0;
};

bool WriteBoardState(const std::string& state_dir, const BoardState& state);
std::optional<BoardState> ReadBoardState(const std::string& state_dir);

}  // namespace benchd::sim::mcu
