// sim-mcu-build: stands in for the firmware build of the `mcu-tflm` driver
// (its `build_command`). Takes the driver's placeholders, "compiles" a TFLM
// benchmark firmware for the board, and writes <out>/firmware.bin and
// <out>/build-info.json with realistic sizes (agents/sim/mcu/mcu_model.h).
// A configuration that does not fit fails like GNU ld: "region `RAM'
// overflowed by N bytes", exit status 1.
//
// Usage: sim-mcu-build --board B --model M --dtype int8|float32
//          --cmsis-nn true|false --opt -Ofast --fpu true|false --out DIR
//          [--protocol tflm|energyrunner]
// Exit status: 0 built, 1 does not fit (or BENCHD_SIM_FAILURE=no-fit),
// 2 usage, unknown board or model. BENCHD_SIM_FAILURE hang, crash and exit:N
// behave as documented in agents/sim/common/simulation.h.

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "agents/sim/common/simulation.h"
#include "agents/sim/mcu/firmware_image.h"
#include "agents/sim/mcu/mcu_model.h"

namespace {

using benchd::sim::mcu::BuildConfig;

constexpr int kExitNoFit = 1;
constexpr int kExitUsage = 2;

int Usage(const std::string& why) {
  std::cerr << "sim-mcu-build: " << why << "\n"
            << "usage: sim-mcu-build --board B --model M --dtype int8|float32 --cmsis-nn true|false --opt -Ofast\n"
            << "                     --fpu true|false --out DIR [--protocol tflm|energyrunner]\n";
  return kExitUsage;
}

bool ParseBool(const std::string& text, bool* value) {
  if (text == "true" || text == "1") {
    *value = true;
    return true;
  }
  if (text == "false" || text == "0") {
    *value = false;
    return true;
  }
  return false;
}

// What ld prints when sections do not fit; the driver recognises these lines.
int ReportOverflow(const benchd::sim::mcu::Footprint& footprint) {
  std::cout << "[ 97%] Building CXX object tflm_benchmark/main.cc.obj\n"
            << "[100%] Linking CXX executable firmware.elf\n";
  const std::string ld = "/usr/bin/arm-none-eabi-ld";
  if (footprint.flash_overflow_bytes > 0) {
    std::cerr << ld << ": firmware.elf section `.rodata' will not fit in region `FLASH'\n";
  }
  if (footprint.ram_overflow_bytes > 0) {
    std::cerr << ld << ": firmware.elf section `.bss' will not fit in region `RAM'\n";
  }
  if (footprint.flash_overflow_bytes > 0) {
    std::cerr << ld << ": region `FLASH' overflowed by " << footprint.flash_overflow_bytes << " bytes\n";
  }
  if (footprint.ram_overflow_bytes > 0 || footprint.Fits()) {
    // Fits() here means a forced no-fit: report the arena as what overflowed.
    const int64_t bytes = footprint.ram_overflow_bytes > 0 ? footprint.ram_overflow_bytes : footprint.arena_bytes / 4;
    std::cerr << ld << ": region `RAM' overflowed by " << bytes << " bytes\n";
  }
  std::cerr << "collect2: error: ld returned 1 exit status\n"
            << "make[2]: *** [CMakeFiles/firmware.elf.dir/build.make:512: firmware.elf] Error 1\n";
  return kExitNoFit;
}

}  // namespace

int main(int argc, char** argv) {
  std::map<std::string, std::string> args;
  for (int i = 1; i < argc; i += 2) {
    const std::string key = argv[i];
    if (key.rfind("--", 0) != 0 || i + 1 >= argc) return Usage("bad argument '" + key + "'");
    args[key.substr(2)] = argv[i + 1];
  }
  for (const char* required : {"board", "model", "dtype", "cmsis-nn", "opt", "fpu", "out"}) {
    if (args.count(required) == 0) return Usage(std::string("--") + required + " is required");
  }
  BuildConfig config;
  config.board = args["board"];
  config.model = args["model"];
  config.dtype = args["dtype"];
  config.opt = args["opt"];
  config.protocol = args.count("protocol") != 0 ? args["protocol"] : "tflm";
  if (!ParseBool(args["cmsis-nn"], &config.cmsis_nn)) return Usage("--cmsis-nn must be true or false");
  if (!ParseBool(args["fpu"], &config.fpu)) return Usage("--fpu must be true or false");
  if (config.dtype != "int8" && config.dtype != "float32") return Usage("--dtype must be int8 or float32");
  if (config.protocol != "tflm" && config.protocol != "energyrunner") return Usage("--protocol must be tflm or energyrunner");
  if (!benchd::sim::mcu::IsKnownOptLevel(config.opt)) return Usage("unknown optimisation level '" + config.opt + "'");
  const benchd::sim::mcu::BoardSpec* board = benchd::sim::mcu::FindBoard(config.board);
  if (board == nullptr) return Usage("unknown board '" + config.board + "' (known: " + benchd::sim::mcu::KnownBoards() + ")");
  const benchd::sim::mcu::ModelSpec* model = benchd::sim::mcu::FindModel(config.model);
  if (model == nullptr) return Usage("unknown model '" + config.model + "' (known: " + benchd::sim::mcu::KnownModels() + ")");
  config.board = board->name;  // canonical spelling in the image
  config.model = model->name;

  const benchd::sim::Failure failure = benchd::sim::FailureFromEnvironment();
  switch (failure.mode) {
    case benchd::sim::FailureMode::kHang: benchd::sim::HangForever();
    case benchd::sim::FailureMode::kCrash: benchd::sim::CrashNow();
    case benchd::sim::FailureMode::kExit:
      std::cerr << "sim-mcu-build: make: *** [all] Error " << failure.exit_code << "\n";
      return failure.exit_code;
    default: break;
  }
  const benchd::sim::mcu::Footprint footprint = benchd::sim::mcu::ComputeFootprint(*board, *model, config);
  if (!footprint.Fits() || failure.mode == benchd::sim::FailureMode::kNoFit) return ReportOverflow(footprint);

  const std::string out = args["out"];
  std::error_code ignored;
  std::filesystem::create_directories(out, ignored);  // a failure shows when the image is written
  if (!benchd::sim::mcu::WriteFirmwareImage(out + "/firmware.bin", config, footprint.flash_used_bytes)) return kExitUsage;
  const nlohmann::json info = {
      {"format", 1},
      {"binary", "firmware.bin"},
      {"binary_size_bytes", footprint.flash_used_bytes},
      {"arena_size_bytes", footprint.arena_bytes},
      {"model_size_bytes", footprint.model_bytes},
      {"flash_used_bytes", footprint.flash_used_bytes},
      {"ram_used_bytes", footprint.ram_used_bytes},
      {"ops_per_inference", model->ops_per_inference},
      {"clock_hz", board->clock_hz},
      {"toolchain", "arm-none-eabi-gcc 12.2.1 (simulated)"},
      {"fits", true},
  };
  std::ofstream(out + "/build-info.json") << info.dump(2) << "\n";
  // The summary arm-none-eabi-size prints, as a real build log shows it.
  std::cout << "[100%] Linking CXX executable firmware.elf\n"
            << "   text\t   data\t    bss\t    dec\tfilename\n"
            << "  " << footprint.code_bytes + footprint.model_bytes << "\t   2048\t " << footprint.ram_used_bytes
            << "\t " << footprint.flash_used_bytes + footprint.ram_used_bytes << "\tfirmware.elf\n";
  if (footprint.arena_in_external_ram) std::cout << "note: tensor arena placed in external SDRAM\n";
  return 0;
}
