#pragma once

// What the MCU simulators know about boards, models and builds: memory
// sizes, the footprint of a TFLM firmware for a configuration, and the
// latency the board would measure.
//
// Latency: the MCU study's table (agents/sim/data/mcu_tflm_latency_ms.csv,
// via `FindMcu`) was measured with -Ofast and the FPU on. Other builds are
// scaled from it with these factors (estimates from GCC behaviour on
// Cortex-M, not measurements):
//   -Ofast 1.00, -O3 1.00 (float32 1.06: no -ffast-math, so no reassociated
//   multiply-accumulate chains), -O2 1.10, -Os 1.38, -Oz 1.45, -O1 1.55,
//   -Og 1.90, -O0 4.20 (TFLM's templated kernels are not inlined).
//   FPU off (soft-float ABI): float32 x 9.0 (every multiply-add becomes a
//   libgcc call of 25-40 cycles), int8 x 1.03 (only quantisation helpers use
//   floats).
//   float32 without CMSIS-NN: as with it, because TFLM's CMSIS-NN kernels are
//   int8/int16 only, so the float32 build is the same code.
// A configuration the study did not measure on that board (ResNet20 float32
// on the NUCLEO-L496ZG) has no latency: it does not fit.
//
// Footprint: model flatbuffer = weights in the dtype + per-channel int32
// biases and quantisation parameters (int8) + flatbuffer overhead; arena =
// the largest set of live activations the TFLM planner keeps, plus scratch;
// code = TFLM interpreter, kernels, HAL (+ CMSIS-NN, + soft-float library),
// scaled by the -O level. RAM = arena + 36 KiB (stack, heap, interpreter
// state). The DISCO-F469NI places the arena in its 16 MiB SDRAM when SRAM is
// too small (as the study's float32 ResNet20 build must have: it is 3.8x
// slower than on the F767ZI, against 2.2x for int8).
// Thread-safety: pure functions over constant tables.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace benchd::sim::mcu {

struct BoardSpec {
  std::string name;  // NUCLEO-L496ZG
  uint64_t clock_hz = 0;
  int64_t flash_bytes = 0;
  int64_t sram_bytes = 0;
  int64_t external_ram_bytes = 0;  // usable for the arena
};

struct ModelSpec {
  std::string name;  // LeNet-MNIST
  int64_t params = 0;
  int64_t ops_per_inference = 0;
  int64_t model_bytes_float32 = 0;
  int64_t model_bytes_int8 = 0;
  int64_t arena_bytes_float32 = 0;
  int64_t arena_bytes_int8 = 0;
  int classes = 10;
};

// Case-insensitive; nullptr when unknown.
const BoardSpec* FindBoard(const std::string& name);
const ModelSpec* FindModel(const std::string& name);
std::string KnownBoards();
std::string KnownModels();

struct BuildConfig {
  std::string board;
  std::string model;
  std::string dtype;  // int8 | float32
  bool cmsis_nn = true;
  std::string opt = "-Ofast";
  bool fpu = true;
  std::string protocol = "tflm";  // tflm | energyrunner
};

struct Footprint {
  int64_t code_bytes = 0;
  int64_t model_bytes = 0;
  int64_t arena_bytes = 0;
  int64_t flash_used_bytes = 0;  // code + model + initialised data
  int64_t ram_used_bytes = 0;    // static RAM in SRAM (arena included unless external)
  bool arena_in_external_ram = false;
  int64_t flash_overflow_bytes = 0;  // > 0: does not fit
  int64_t ram_overflow_bytes = 0;
  bool Fits() const { return flash_overflow_bytes == 0 && ram_overflow_bytes == 0; }
};

// Requires a known board and model and a valid -O level.
Footprint ComputeFootprint(const BoardSpec& board, const ModelSpec& model, const BuildConfig& config);

// True for the -O levels GCC accepts that the factors above cover.
bool IsKnownOptLevel(const std::string& opt);

// Mean latency in milliseconds for the configuration, or nullopt when the
// study has no figure for it (it does not fit).
std::optional<double> MeanLatencyMs(const BuildConfig& config);

}  // namespace benchd::sim::mcu
