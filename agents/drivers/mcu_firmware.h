#pragma once

// Building and flashing TFLM benchmark firmware for an STM32 board, for the
// `mcu-tflm` driver: the build and flash commands are the operator's (argv
// templates, agents/drivers/argv_template.h), this file runs them and reads
// what they report.
//
// The build report. The build command must write `build-info.json` into
// its `{out_dir}`:
//   {
//     "format": 1,                          required, 1
//     "binary": "firmware.bin",             required; relative to out_dir or absolute
//     "arena_size_bytes": 24576,            required; the TFLM tensor arena
//     "model_size_bytes": 247680,           required; the .tflite flatbuffer
//     "binary_size_bytes": 351232,          optional; default: the file's size
//     "flash_used_bytes": 351232,           optional
//     "ram_used_bytes": 68400,              optional; static RAM incl. the arena
//     "ops_per_inference": 846000,          optional; gives GOPS in the summary
//     "clock_hz": 216000000,                optional; the core clock built for
//     "toolchain": "arm-none-eabi-gcc 12.2",optional
//     "fits": true,                         optional; false = the model does not fit
//     "error": "..."                        optional; why it does not fit
//   }
// A GNU ld overflow on the build's stdout or stderr ("region `RAM'
// overflowed by N bytes", "will not fit in region") with a non-zero exit, or
// "fits": false, means the model does not fit the board.
//
// Flash commands: an argv template with `{binary}` (and optionally `{board}`,
// `{out_dir}`), or one of the presets, whose target is chosen from the board:
//   st-flash  st-flash --reset write {binary} 0x08000000
//   openocd   openocd -f interface/stlink.cfg -f target/<stm32l4x|stm32f4x|stm32f7x>.cfg
//                     -c "program {binary} verify reset exit 0x08000000"
//   pyocd     pyocd flash -t <stm32l496zgtx|stm32f469nihx|stm32f767zitx> -a 0x08000000 {binary}
//             (pyOCD needs the target's CMSIS pack: `pyocd pack install <target>`)
//
// Errors of `Build` and `Flash`: FAILED_PRECONDITION when the model does not
// fit (a measurement failure); UNAVAILABLE when a tool cannot be launched or
// fails otherwise; DEADLINE_EXCEEDED, CANCELLED; INTERNAL for a build that
// succeeds but leaves no usable report or binary.
// Thread-safety: not thread-safe; one driver uses one builder.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "agents/drivers/argv_template.h"
#include "common/process_runner.h"

namespace benchd::agent {

// What the firmware is built with; equal identities mean equal firmware.
struct McuBuildConfig {
  std::string board;  // upper case, e.g. NUCLEO-F767ZI
  std::string model;  // e.g. LeNet-MNIST
  std::string dtype;  // int8 | float32
  bool cmsis_nn = true;
  std::string opt = "-Ofast";
  bool fpu = true;

  std::string Identity() const;
  // {board} {model} {dtype} {cmsis_nn} {opt} {fpu} {out_dir}
  std::map<std::string, std::string> PlaceholderValues(const std::string& out_dir) const;
};

// Facts about the boards benchd knows: core clock (for ticks -> us) and
// debugger targets for the flash presets.
struct McuBoardInfo {
  std::string_view part;  // matched as a substring of the board name
  uint64_t clock_hz;
  std::string_view openocd_target;
  std::string_view pyocd_target;
};
const McuBoardInfo* FindMcuBoard(std::string_view board);

struct BuildInfo {
  std::string binary_path;  // absolute or relative to the agent's cwd
  int64_t binary_size_bytes = 0;
  int64_t arena_size_bytes = 0;
  int64_t model_size_bytes = 0;
  std::optional<int64_t> flash_used_bytes;
  std::optional<int64_t> ram_used_bytes;
  std::optional<int64_t> ops_per_inference;
  std::optional<int64_t> clock_hz;
  std::string toolchain;
  bool fits = true;
  std::string error;
};

// Errors: DATA_LOSS naming the missing or mistyped key.
[[nodiscard]] absl::StatusOr<BuildInfo> ParseBuildInfo(std::string_view json_text, const std::string& out_dir);

// The linker lines saying that something does not fit, joined with "; ".
std::optional<std::string> FindNoFitMessage(std::string_view build_output);

struct BuiltFirmware {
  BuildInfo info;
  std::string sha256;
};

class McuFirmwareBuilder {
 public:
  static constexpr std::string_view kBuildInfoFile = "build-info.json";

  struct Commands {
    ArgvTemplate build;
    std::string flash_preset;             // st-flash | openocd | pyocd, or empty
    std::optional<ArgvTemplate> flash;    // when no preset
    std::chrono::milliseconds build_timeout{std::chrono::minutes(30)};
    std::chrono::milliseconds flash_timeout{std::chrono::minutes(2)};
    std::map<std::string, std::string> extra_env;  // passed to both tools
  };

  // Errors: INVALID_ARGUMENT for an unknown preset or a template placeholder
  // that no value will fill.
  [[nodiscard]] static absl::Status Validate(const Commands& commands);

  McuFirmwareBuilder(Commands commands, common::ProcessRunner& runner);

  [[nodiscard]] absl::StatusOr<BuiltFirmware> Build(const McuBuildConfig& config, const std::string& out_dir,
                                                    const std::atomic<bool>& cancel);
  [[nodiscard]] absl::Status Flash(const McuBuildConfig& config, const BuiltFirmware& firmware,
                                   const std::string& out_dir, const std::atomic<bool>& cancel);

  const Commands& commands() const { return commands_; }

 private:
  [[nodiscard]] absl::StatusOr<std::vector<std::string>> FlashArgv(const McuBuildConfig& config,
                                                                   const std::string& binary,
                                                                   const std::string& out_dir) const;

  Commands commands_;
  common::ProcessRunner& runner_;
};

}  // namespace benchd::agent
