#include "agents/sim/bismo/bismo_model.h"

#include <algorithm>
#include <cmath>
#include <optional>

#include "agents/sim/common/reference_data.h"

namespace benchd::sim {
namespace {

constexpr double kStartupCycles = 1200;
constexpr long kMlpInputs = 784;
constexpr long kMlpOutputs = 10;
constexpr double kMlpFullHidden = 2048;

long Align(long value, long to) { return (value + to - 1) / to * to; }

double Ops(const MatMul& m) { return 2.0 * m.rows * m.depth * m.cols; }

double ArrayCycles(const MatMul& m) {
  const double tiles = static_cast<double>(Align(m.rows, kDimLhs) / kDimLhs) * (Align(m.depth, kDimCommon) / kDimCommon) *
                       (Align(m.cols, kDimRhs) / kDimRhs);
  return tiles * m.lhs_bits * m.rhs_bits + kStartupCycles;
}

// The QuTiBench row of the MLP whose first layer is `first`, when
// matmuls[i..i+3] are its four layers.
std::optional<QutibenchRow> MlpRow(const std::vector<MatMul>& matmuls, size_t i) {
  if (i + 4 > matmuls.size()) return std::nullopt;
  const MatMul& first = matmuls[i];
  const long h = first.rows;
  const long n = first.cols;
  if (first.depth != kMlpInputs || first.lhs_bits != first.rhs_bits) return std::nullopt;
  const MatMul expected[] = {{h, h, n, first.lhs_bits, first.rhs_bits},
                             {h, h, n, first.lhs_bits, first.rhs_bits},
                             {kMlpOutputs, h, n, first.lhs_bits, first.rhs_bits}};
  for (int l = 0; l < 3; ++l) {
    const MatMul& m = matmuls[i + 1 + l];
    const MatMul& e = expected[l];
    if (m.rows != e.rows || m.depth != e.depth || m.cols != e.cols || m.lhs_bits != e.lhs_bits ||
        m.rhs_bits != e.rhs_bits) {
      return std::nullopt;
    }
  }
  const double pruning = static_cast<double>(h) * 100 / kMlpFullHidden;
  std::optional<QutibenchRow> row =
      FindQutibench("ZCU104-Bismo", "MLP", "INT" + std::to_string(first.lhs_bits), "", static_cast<int>(n), pruning);
  if (!row || !row->lat_comp_ms) return std::nullopt;
  return row;
}

}  // namespace

std::vector<double> ModelCycles(const std::vector<MatMul>& matmuls) {
  std::vector<double> cycles(matmuls.size());
  for (size_t i = 0; i < matmuls.size();) {
    if (const std::optional<QutibenchRow> row = MlpRow(matmuls, i)) {
      const double us = *row->lat_comp_ms * 1000;
      double total_ops = 0;
      for (size_t l = 0; l < 4; ++l) total_ops += Ops(matmuls[i + l]);
      for (size_t l = 0; l < 4; ++l) cycles[i + l] = us * kFclkMhz * Ops(matmuls[i + l]) / total_ops;
      i += 4;
    } else {
      cycles[i] = ArrayCycles(matmuls[i]);
      ++i;
    }
  }
  return cycles;
}

std::optional<PowerFigures> BismoPowerFigures(const std::vector<MatMul>& matmuls) {
  for (size_t i = 0; i < matmuls.size(); ++i) {
    if (const std::optional<QutibenchRow> row = MlpRow(matmuls, i)) return PowerFiguresOf(*row);
  }
  return PlatformPowerFigures("zcu104-bismo");
}

std::map<std::string, double> Instrumentation(const MatMul& m, double cycles) {
  // The arithmetic of bismo_rt_matmul.cpp's perfSummary and perfDetails.
  const double lhs_elems_a = static_cast<double>(Align(m.rows, kDimLhs)) * Align(m.depth, kDimCommon);
  const double rhs_outer_a = static_cast<double>(Align(m.cols, kDimRhs));
  const double total = 2 * lhs_elems_a * rhs_outer_a * m.lhs_bits * m.rhs_bits;
  const double actual = Ops(m) * m.lhs_bits * m.rhs_bits;
  const double lhs_bytes = m.lhs_bits * lhs_elems_a / 8;
  const double rhs_bytes = m.rhs_bits * Align(m.depth, kDimCommon) * rhs_outer_a / 8;
  const double res_bytes = Align(m.rows, kDimLhs) * rhs_outer_a * 4;
  const double fetch = rhs_bytes + lhs_bytes * (rhs_outer_a / kDimRhs);
  const double peak_ops_per_cycle = 2.0 * kDimLhs * kDimRhs * kDimCommon;
  const double ns = cycles * 1000 / kFclkMhz;
  std::map<std::string, double> d;
  d["workload_total_binops"] = total;
  d["workload_actual_binops"] = actual;
  d["workload_lhs_bytes"] = lhs_bytes;
  d["workload_rhs_bytes"] = rhs_bytes;
  d["workload_res_bytes"] = res_bytes;
  d["hw_buf_size_bytes"] = kDimLhs * 1024 * kDimCommon / 8 + kDimRhs * 1024 * kDimCommon / 8;
  d["hw_peak_perf_binops"] = peak_ops_per_cycle / (1000 / kFclkMhz);
  d["hw_fclk_mhz"] = kFclkMhz;
  d["workload_read_oi"] = total / (lhs_bytes + rhs_bytes);
  d["workload_write_oi"] = total / res_bytes;
  d["actual_read_oi"] = total / fetch;
  d["actual_write_oi"] = total / res_bytes;
  d["hw_peak_read_oi"] = peak_ops_per_cycle / 8;
  d["hw_peak_write_oi"] = peak_ops_per_cycle / 8;
  d["run_cycles"] = cycles;
  d["run_achieved_binops"] = ns > 0 ? total / ns : 0;
  d["workload_dram_read_bytes"] = fetch;
  d["workload_dram_write_bytes"] = res_bytes;
  d["hw_peak_read_bw"] = 8;
  d["hw_peak_write_bw"] = 8;
  const double exec_run = std::max(1.0, std::round(total / peak_ops_per_cycle));
  const double fetch_run = std::max(1.0, std::round(fetch / 8 * 1.25));
  const double result_run = std::max(1.0, std::round(res_bytes / 8 * 1.5));
  const struct {
    const char* stage;
    double run;
  } kStages[] = {{"fetch", fetch_run}, {"exec", exec_run}, {"result", result_run}};
  for (const auto& stage : kStages) {
    const std::string prefix = std::string("stg_") + stage.stage;
    d[prefix + "_run"] = stage.run;
    d[prefix + "_idle"] = std::round(cycles * 0.1);
    d[prefix + "_snd"] = std::round(cycles * 0.05);
    d[prefix + "_rcv"] = std::max(0.0, cycles - stage.run - std::round(cycles * 0.15));
  }
  d["run_eff%_fetch"] = 100 * (fetch / fetch_run) / 8;
  d["run_eff%_exec"] = 100 * total / (exec_run * peak_ops_per_cycle);
  d["run_eff%_result"] = 100 * (res_bytes / result_run) / 8;
  // Host time of padding, copies and parallel-to-serial conversion on the A53s.
  d["mat_lhs_pad_us"] = 0.002 * lhs_bytes + 1;
  d["mat_lhs_host2accel_us"] = 0.004 * lhs_bytes + 3;
  d["mat_lhs_p2s_us"] = 0.01 * lhs_bytes + 12;
  d["mat_rhs_pad_us"] = 0.002 * rhs_bytes + 1;
  d["mat_rhs_host2accel_us"] = 0.004 * rhs_bytes + 3;
  d["mat_rhs_p2s_us"] = 0.01 * rhs_bytes + 12;
  d["mat_res_accel2host_us"] = 0.003 * res_bytes + 2;
  d["mat_res_unpad_us"] = 0.001 * res_bytes + 1;
  return d;
}

}  // namespace benchd::sim
