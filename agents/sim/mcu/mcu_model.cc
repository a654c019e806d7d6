#include "agents/sim/mcu/mcu_model.h"

#include <algorithm>
#include <array>
#include <cctype>

#include "agents/sim/common/reference_data.h"

namespace benchd::sim::mcu {
namespace {

constexpr int64_t kKiB = 1024;
constexpr int64_t kRuntimeRamBytes = 36 * kKiB;  // stack, heap, interpreter state
constexpr int64_t kDataBytes = 2 * kKiB;         // initialised .data, stored in flash too
constexpr int64_t kBaseCodeBytes = 96 * kKiB;    // interpreter, reference kernels, HAL
constexpr int64_t kCmsisNnCodeBytes = 18 * kKiB;
constexpr int64_t kSoftFloatCodeBytes = 12 * kKiB;

const std::array<BoardSpec, 3>& Boards() {
  static const std::array<BoardSpec, 3> boards = {
      BoardSpec{"NUCLEO-L496ZG", 80'000'000, 1024 * kKiB, 320 * kKiB, 0},
      BoardSpec{"DISCO-F469NI", 180'000'000, 2048 * kKiB, 320 * kKiB, 16 * 1024 * kKiB},
      BoardSpec{"NUCLEO-F767ZI", 216'000'000, 2048 * kKiB, 512 * kKiB, 0},
  };
  return boards;
}

// LeNet-5: 61 706 parameters, 416 520 multiply-accumulates. ResNet20 for
// CIFAR-10: 272 474 parameters, about 40.8 M multiply-accumulates.
const std::array<ModelSpec, 2>& Models() {
  static const std::array<ModelSpec, 2> models = {
      ModelSpec{"LeNet-MNIST", 61'706, 833'040, 251'024, 68'656, 26'368, 8'448, 10},
      ModelSpec{"ResNet20-CIFAR-10", 272'474, 81'600'000, 1'113'896, 311'544, 303'104, 77'824, 10},
  };
  return models;
}

struct OptFactor {
  const char* opt;
  double code;
  double latency_int8;
  double latency_float32;
};
constexpr std::array kOptFactors = {
    OptFactor{"-Ofast", 1.12, 1.00, 1.00}, OptFactor{"-O3", 1.12, 1.00, 1.06},
    OptFactor{"-O2", 1.00, 1.10, 1.10},    OptFactor{"-Os", 0.82, 1.38, 1.38},
    OptFactor{"-Oz", 0.78, 1.45, 1.45},    OptFactor{"-O1", 1.05, 1.55, 1.55},
    OptFactor{"-Og", 1.25, 1.90, 1.90},    OptFactor{"-O0", 1.90, 4.20, 4.20},
};
constexpr double kSoftFloatFactorFloat32 = 9.0;
constexpr double kSoftFloatFactorInt8 = 1.03;

bool EqualsIgnoreCase(const std::string& a, const std::string& b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

const OptFactor* FindOpt(const std::string& opt) {
  for (const OptFactor& factor : kOptFactors) {
    if (opt == factor.opt) return &factor;
  }
  return nullptr;
}

}  // namespace

const BoardSpec* FindBoard(const std::string& name) {
  for (const BoardSpec& board : Boards()) {
    if (EqualsIgnoreCase(board.name, name)) return &board;
  }
  return nullptr;
}

const ModelSpec* FindModel(const std::string& name) {
  for (const ModelSpec& model : Models()) {
    if (EqualsIgnoreCase(model.name, name)) return &model;
  }
  return nullptr;
}

std::string KnownBoards() {
  std::string list;
  for (const BoardSpec& board : Boards()) list += (list.empty() ? "" : ", ") + board.name;
  return list;
}

std::string KnownModels() {
  std::string list;
  for (const ModelSpec& model : Models()) list += (list.empty() ? "" : ", ") + model.name;
  return list;
}

bool IsKnownOptLevel(const std::string& opt) { return FindOpt(opt) != nullptr; }

Footprint ComputeFootprint(const BoardSpec& board, const ModelSpec& model, const BuildConfig& config) {
  const bool float32 = config.dtype == "float32";
  const OptFactor* opt = FindOpt(config.opt);
  Footprint footprint;
  int64_t code = kBaseCodeBytes + (config.cmsis_nn ? kCmsisNnCodeBytes : 0);
  code = static_cast<int64_t>(static_cast<double>(code) * (opt != nullptr ? opt->code : 1.0));
  if (!config.fpu) code += kSoftFloatCodeBytes;
  // Round to the 4-byte alignment a linker keeps sections at.
  footprint.code_bytes = (code + 3) / 4 * 4;
  footprint.model_bytes = float32 ? model.model_bytes_float32 : model.model_bytes_int8;
  footprint.arena_bytes = float32 ? model.arena_bytes_float32 : model.arena_bytes_int8;
  footprint.flash_used_bytes = footprint.code_bytes + footprint.model_bytes + kDataBytes;
  const int64_t sram_needed = footprint.arena_bytes + kRuntimeRamBytes;
  if (sram_needed > board.sram_bytes && footprint.arena_bytes <= board.external_ram_bytes) {
    footprint.arena_in_external_ram = true;
    footprint.ram_used_bytes = kRuntimeRamBytes;
  } else {
    footprint.ram_used_bytes = sram_needed;
  }
  footprint.flash_overflow_bytes = std::max<int64_t>(0, footprint.flash_used_bytes - board.flash_bytes);
  footprint.ram_overflow_bytes = std::max<int64_t>(0, footprint.ram_used_bytes - board.sram_bytes);
  return footprint;
}

std::optional<double> MeanLatencyMs(const BuildConfig& config) {
  const bool float32 = config.dtype == "float32";
  // TFLM's CMSIS-NN kernels are int8 only: a float32 build without them is
  // the same code as with them.
  std::optional<McuRow> row = FindMcu(config.model, config.board, config.dtype, float32 ? true : config.cmsis_nn);
  if (!row) return std::nullopt;
  const OptFactor* opt = FindOpt(config.opt);
  double latency = row->latency_mean_ms;
  if (opt != nullptr) latency *= float32 ? opt->latency_float32 : opt->latency_int8;
  if (!config.fpu) latency *= float32 ? kSoftFloatFactorFloat32 : kSoftFloatFactorInt8;
  return latency;
}

}  // namespace benchd::sim::mcu
