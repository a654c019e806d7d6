#pragma once

// The published measurements the device simulators draw their figures from
// (agents/sim/data, compiled in). Lookups pick the closest measured point, so
// a sweep value between two published batch sizes still gets a realistic
// figure.
// Thread-safety: the tables are immutable after the first call.

#include <optional>
#include <string>
#include <vector>

namespace benchd::sim {

// One row of QuTiBench's experimental_data.csv. Missing values are nullopt.
struct QutibenchRow {
  std::string topology;   // MLP, CNV, GoogLeNetv1, ResNet-50, MobileNetv1, EfficientNet-S, ...
  std::string hardware;   // ZCU104-FINN, TX2-maxn, NCS2, EdgeTPU-fast, U96-Quadcore-A53, ...
  std::string datatype;   // INT2, INT4, INT8, FP16, FP32
  std::string op_mode;    // maxn / maxp / maxq, fast / slow, or empty
  int batch = 1;          // batch, threads or streams, as the platform counts them
  std::optional<double> lat_sys_ms;
  std::optional<double> lat_comp_ms;
  std::optional<double> fps_system;
  std::optional<double> fps_comp;
  std::optional<double> top1;
  std::optional<double> top5;
  std::optional<double> base_power_w;
  std::optional<double> idle_power_w;
  std::optional<double> full_power_w;
  double pruning = 100;   // 100, 50, 25, 12.5
};

const std::vector<QutibenchRow>& QutibenchRows();

// The row of `hardware`, `topology` and `datatype` (exact, case-insensitive;
// `op_mode` too when non-empty) nearest to `pruning` and then `batch`;
// nullopt when nothing of that hardware, topology and datatype was measured.
std::optional<QutibenchRow> FindQutibench(const std::string& hardware, const std::string& topology,
                                          const std::string& datatype, const std::string& op_mode, int batch,
                                          double pruning);

// One row of the MCU study's latency table (mean of 50 inferences).
struct McuRow {
  std::string model;       // LeNet-MNIST, ResNet20-CIFAR-10
  std::string board;       // NUCLEO-L496ZG, DISCO-F469NI, NUCLEO-F767ZI
  std::string weights;     // int8, float32
  std::string activations;
  bool cmsis_nn = false;
  std::string optimization;  // -Ofast, ...
  bool fpu = true;
  double latency_mean_ms = 0;
};

const std::vector<McuRow>& McuRows();
// Exact match on model, board, dtype and cmsis_nn; nullopt when the study has
// no such row (ResNet20 float32 on the L496ZG did not fit).
std::optional<McuRow> FindMcu(const std::string& model, const std::string& board, const std::string& dtype,
                              bool cmsis_nn);

// Edge TPU supply samples (power_measur_fast/slow.csv): watts per sample for
// one model column prefix ("goo", "mob", "es", "em", "el", "r15"), and the
// idle power.
struct EdgeTpuTrace {
  std::vector<double> watts;
  double idle_w = 0;
};
std::optional<EdgeTpuTrace> EdgeTpuPower(const std::string& clock /* fast | slow */, const std::string& model);

}  // namespace benchd::sim
