#pragma once

// The simulated BISMO overlay (ZCU104 build: an 8 x 256 x 8 dot-product
// array at 200 MHz) and its runtime library's instrumentation: how many
// cycles a matrix multiply takes and the figures bismo_rt reports for it.
//
// Cycles: multiplies that form a QuTiBench MLP inference (the four layers
// 784 -> h -> h -> h -> 10 in order, over the same columns, equal weight and
// activation widths) share QuTiBench's ZCU104-Bismo lat-comp for that MLP,
// precision (INT<bits>), batch (the columns) and pruning (h / 2048), in
// proportion to their operations; any other multiply gets the array's tile
// count x bits x bits plus a fixed start-up cost.
// Power: the QuTiBench figures of the first such MLP in a batch, else the
// platform's (power_figures.h PlatformPowerFigures, "zcu104-bismo").
// Thread-safety: pure functions.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "agents/sim/common/power_figures.h"

namespace benchd::sim {

struct MatMul {
  long rows = 0;   // M: LHS (weights) rows
  long depth = 0;  // K
  long cols = 0;   // N: RHS (activations) columns
  int lhs_bits = 1;
  int rhs_bits = 1;
};

constexpr int kDimLhs = 8;
constexpr int kDimCommon = 256;
constexpr int kDimRhs = 8;
constexpr double kFclkMhz = 200;

// Cycles per multiply, before noise, for a whole batch read from stdin.
std::vector<double> ModelCycles(const std::vector<MatMul>& matmuls);

// The board's base, idle and full power while it runs `matmuls` (see above);
// nullopt only when the compiled-in data has no ZCU104-Bismo figures.
std::optional<PowerFigures> BismoPowerFigures(const std::vector<MatMul>& matmuls);

// bismo_rt's instrumentation of one multiply that took `cycles`, keyed as the
// runtime library keys it (std::map: alphabetical).
std::map<std::string, double> Instrumentation(const MatMul& matmul, double cycles);

}  // namespace benchd::sim
