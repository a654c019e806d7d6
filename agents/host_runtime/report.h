#pragma once

// The text that benchd-host-mlp prints on stdout: format 1, line-oriented,
// parsed by agents/parsers/host_mlp_parser. Every line is a keyword followed
// by space-separated key=value tokens; values never contain spaces. In order:
//
//   benchd-host-mlp format=1 version= onednn= threading= isa= threads=
//   config topology=MLP pruning= precision= batch= hidden= params=
//       ops_per_inference= warmup= iterations= seed=           (one line)
//   layer i= in= out= impl=                                    (one per layer)
//   warmup done=
//   sample i= latency_us= t_ns=                                (one per iteration)
//   summary count= mean_us= median_us= p99_us= min_us= max_us= fps= gops=
//   check max_abs_err= ref_max_abs=
//
// For example:
//   benchd-host-mlp format=1 version=0.1.0 onednn=2.6.3 threading=omp isa=avx512_core threads=2
//   sample i=0 latency_us=1401.868 t_ns=888743369980
//
// A sample's latency is one inference of the whole batch through all layers
// (for INT8 including the input quantisation), measured with steady_clock and
// printed in microseconds with exactly three decimals (the measured ns);
// `t_ns` is the steady_clock time at its completion. Warm-up iterations are
// not printed. fps counts inputs: batch x 1e6 / mean_us; gops =
// ops_per_inference x batch / mean latency in s / 1e9. `check` compares the
// first input's outputs with a plain f32 reference pass. `--version` prints
// the first line only. Thread-safety: pure functions.

#include <cstdint>
#include <string>
#include <vector>

#include "agents/host_runtime/mlp_model.h"

namespace benchd::host_runtime {

inline constexpr int kOutputFormatVersion = 1;

struct RuntimeInfo {
  std::string version;    // benchd's version
  std::string onednn;     // "2.6.3"
  std::string threading;  // "omp", "tbb", "seq", ...
  std::string isa;
  int threads = 0;
};

struct RunConfig {
  MlpShape shape;
  double pruning = 100;
  Precision precision = Precision::kFp32;
  int64_t batch = 1;
  int warmup = 0;
  int iterations = 0;
  uint64_t seed = 0;
};

struct Measurements {
  std::vector<std::string> layer_implementations;
  std::vector<int64_t> latency_ns;     // one per timed iteration
  std::vector<int64_t> completion_ns;  // steady_clock time since its epoch
  double check_max_abs_error = 0;
  double check_reference_max_abs = 0;
};

std::string FormatHeaderLine(const RuntimeInfo& info);
// The whole output, header line included.
std::string FormatReport(const RuntimeInfo& info, const RunConfig& config,
                         const Measurements& measurements);

}  // namespace benchd::host_runtime
