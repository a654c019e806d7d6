#pragma once

// How long the points of a sweep will keep their devices busy, for
// `benchctl plan`. The unit of estimation is one timed iteration (one call of
// the benchmark on one batch); a point costs
//   repeats x (warmup x t + max(iterations x t, min_duration))
// where `t` is the iteration latency guessed for the point. Reconfiguration
// (flashing an MCU, loading a bitstream, changing a power mode) and the
// coordinator's own overhead are not included.
//
// `t` comes from the first of these that knows the point's platform and
// topology (`topology`, or `model` for MCU sweeps):
//   1. history: the mean latency of earlier successful runs on the same
//      platform and topology, fetched from the coordinator (`LatencyHistory`),
//      at the same items per iteration when measured, else scaled linearly
//      from the nearest measured size;
//   2. a table compiled in from QuTiBench (experimental_data.csv) or the
//      TFLM study (mcu_tflm/latency_ms.csv); see plan_estimate.cc;
//   3. a conservative constant, `kDefaultIterationMs`.
// "Items per iteration" is the point's `batch`, else its `threads` (the DPU
// boards run one frame per thread), else 1.
//
// Pure functions and immutable types; thread-safe.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <tuple>

#include "benchd/v1/common.pb.h"
#include "common/sweep/sweep_spec.h"

namespace benchd::cli {

// Used when neither history nor a table knows the platform and topology:
// slower than any iteration in the reference data except the MCU ResNet20
// runs, which the table covers.
inline constexpr double kDefaultIterationMs = 100.0;

enum class EstimateSource { kHistory, kQutibench, kMcuTflm, kDefault };

// "history", "qutibench", "mcu_tflm", "default": the names `plan` prints.
const char* EstimateSourceName(EstimateSource source);

// The topology a point runs: its `topology`, else its `model`, else "".
std::string TopologyOf(const benchd::v1::Parameters& parameters);

// The point's `batch`, else `threads`, else 1 (never below 1).
int64_t ItemsPerIteration(const benchd::v1::Parameters& parameters);

// Mean measured iteration latencies, by platform, topology and items per
// iteration. Built by `FetchLatencyHistory` (plan_history.h) or by tests.
class LatencyHistory {
 public:
  // Adds one run's mean iteration latency.
  void Add(const std::string& platform, const std::string& topology, int64_t items, double mean_us);

  // The mean at exactly `items`, else the mean at the nearest measured size
  // (by ratio) scaled linearly to `items`, in milliseconds; nullopt when the
  // platform and topology were never measured.
  std::optional<double> LookupMs(const std::string& platform, const std::string& topology,
                                 int64_t items) const;

  // Runs added.
  int64_t runs() const { return runs_; }
  bool empty() const { return runs_ == 0; }

 private:
  struct Sum {
    double total_us = 0;
    int64_t count = 0;
  };
  std::map<std::tuple<std::string, std::string, int64_t>, Sum> sums_;
  int64_t runs_ = 0;
};

struct IterationEstimate {
  double milliseconds = kDefaultIterationMs;
  EstimateSource source = EstimateSource::kDefault;
};

// The iteration latency of one point. `history` may be null.
IterationEstimate EstimateIteration(const std::string& platform,
                                    const benchd::v1::Parameters& parameters,
                                    const LatencyHistory* history);

// Device time of one point under `run`, in milliseconds (formula above).
double PointDeviceMs(const common::RunSpec& run, double iteration_ms);

}  // namespace benchd::cli
