#include "cli/commands/plan_estimate.h"

#include <algorithm>
#include <cmath>
#include <string_view>

#include "common/proto_json.h"

namespace benchd::cli {

namespace {

// One row of reference latencies. An iteration of `items` takes
// max(first_ms, items x per_item_ms): `first_ms` is the latency at the
// smallest measured size (fixed costs dominate), `per_item_ms` the latency per
// item at the largest measured size (throughput dominates). Both figures are
// the slowest over the measured precisions and power or clock modes, at the
// least pruning measured, so that the estimate errs long.
struct ReferenceLatency {
  std::string_view platform;
  std::string_view topology;
  double first_ms;
  double per_item_ms;
  EstimateSource source;
};

constexpr EstimateSource kQ = EstimateSource::kQutibench;
constexpr EstimateSource kM = EstimateSource::kMcuTflm;

// QuTiBench experimental_data.csv: lat-sys, or lat-comp where the row has no
// system latency (FINN, BISMO, A53); "batch/thread/stream" is the item count.
// MCU rows: mcu_tflm/latency_ms.csv, the slowest of the int8/float32 and
// CMSIS-NN on/off builds at -Ofast; -O0 builds run slower than this.
constexpr ReferenceLatency kReferenceLatencies[] = {
    {"edgetpu", "EfficientNet-L", 76.99, 76.99, kQ},
    {"edgetpu", "EfficientNet-M", 58.03, 58.03, kQ},
    {"edgetpu", "EfficientNet-S", 58.99, 58.99, kQ},
    {"edgetpu", "GoogLeNetv1", 10.03, 10.03, kQ},
    {"edgetpu", "MobileNetv1", 7.86, 7.86, kQ},
    {"edgetpu", "ResNet-50v15", 42.36, 42.36, kQ},
    {"ncs2", "CNV", 6.6, 5.428, kQ},
    {"ncs2", "MLP", 4.57, 3.296, kQ},
    {"ncs2", "ResNet-50", 59.04, 57.34, kQ},
    {"tx2", "CNV", 2.87, 1.487, kQ},
    {"tx2", "GoogLeNetv1", 17.95, 13.75, kQ},
    {"tx2", "MLP", 1.25, 0.1913, kQ},
    {"tx2", "ResNet-50", 33.1, 24.79, kQ},
    {"u96-a53", "CNV", 34.13, 9.586, kQ},
    {"u96-a53", "MLP", 101.4, 3.401, kQ},
    {"ultra96-dpu", "GoogLeNetv1", 19.83, 17.25, kQ},
    {"ultra96-dpu", "ResNet-50", 42.35, 39.13, kQ},
    {"zcu102-dpu", "GoogLeNetv1", 9.63, 2.61, kQ},
    {"zcu102-dpu", "ResNet-50", 17.78, 5.951, kQ},
    {"zcu104-bismo", "CNV", 9.114, 3.892, kQ},
    {"zcu104-bismo", "MLP", 3.259, 1.208, kQ},
    {"zcu104-dpu", "MobileNetv1", 8.875, 4.76, kQ},
    {"zcu104-dpu", "ResNet-50", 17.96, 8.11, kQ},
    {"zcu104-finn", "CNV", 4.874, 1.464, kQ},
    {"zcu104-finn", "MLP", 0.023, 0.01244, kQ},
    {"nucleo-l496zg", "LeNet-MNIST", 120.67, 120.67, kM},
    {"nucleo-l496zg", "ResNet20-CIFAR-10", 12088.46, 12088.46, kM},
    {"disco-f469ni", "LeNet-MNIST", 65.60, 65.60, kM},
    {"disco-f469ni", "ResNet20-CIFAR-10", 6506.26, 6506.26, kM},
    {"nucleo-f767zi", "LeNet-MNIST", 19.97, 19.97, kM},
    {"nucleo-f767zi", "ResNet20-CIFAR-10", 1613.40, 1613.40, kM},
};

std::optional<int64_t> AsCount(const benchd::v1::ParamValue* value) {
  if (value == nullptr) return std::nullopt;
  if (value->has_int_value()) return value->int_value();
  if (value->has_double_value() && std::isfinite(value->double_value())) {
    return static_cast<int64_t>(std::llround(value->double_value()));
  }
  return std::nullopt;
}

}  // namespace

const char* EstimateSourceName(EstimateSource source) {
  switch (source) {
    case EstimateSource::kHistory:
      return "history";
    case EstimateSource::kQutibench:
      return "qutibench";
    case EstimateSource::kMcuTflm:
      return "mcu_tflm";
    case EstimateSource::kDefault:
      break;
  }
  return "default";
}

std::string TopologyOf(const benchd::v1::Parameters& parameters) {
  for (const char* name : {"topology", "model"}) {
    const benchd::v1::ParamValue* value = common::FindParam(parameters, name);
    if (value != nullptr) return common::ParamValueToString(*value);
  }
  return "";
}

int64_t ItemsPerIteration(const benchd::v1::Parameters& parameters) {
  std::optional<int64_t> items = AsCount(common::FindParam(parameters, "batch"));
  if (!items) items = AsCount(common::FindParam(parameters, "threads"));
  return std::max<int64_t>(1, items.value_or(1));
}

void LatencyHistory::Add(const std::string& platform, const std::string& topology, int64_t items,
                         double mean_us) {
  // A run without a latency (a failed parse stored as zero) would pull the
  // mean towards nothing; it says nothing about how long the device is busy.
  if (!(mean_us > 0) || !std::isfinite(mean_us)) return;
  Sum& sum = sums_[{platform, topology, std::max<int64_t>(1, items)}];
  sum.total_us += mean_us;
  ++sum.count;
  ++runs_;
}

std::optional<double> LatencyHistory::LookupMs(const std::string& platform,
                                               const std::string& topology, int64_t items) const {
  items = std::max<int64_t>(1, items);
  std::optional<double> best_mean_us;
  int64_t best_items = 0;
  double best_distance = 0;
  for (auto it = sums_.lower_bound({platform, topology, 0});
       it != sums_.end() && std::get<0>(it->first) == platform &&
       std::get<1>(it->first) == topology;
       ++it) {
    const int64_t measured = std::get<2>(it->first);
    // Sizes compare by ratio: batch 64 is as near to 32 as 2 is to 1.
    const double distance = std::fabs(std::log(static_cast<double>(measured) / items));
    if (!best_mean_us || distance < best_distance) {
      best_mean_us = it->second.total_us / static_cast<double>(it->second.count);
      best_items = measured;
      best_distance = distance;
    }
  }
  if (!best_mean_us) return std::nullopt;
  return *best_mean_us / 1000.0 * static_cast<double>(items) / static_cast<double>(best_items);
}

IterationEstimate EstimateIteration(const std::string& platform,
                                    const benchd::v1::Parameters& parameters,
                                    const LatencyHistory* history) {
  const std::string topology = TopologyOf(parameters);
  const int64_t items = ItemsPerIteration(parameters);
  if (history != nullptr) {
    if (std::optional<double> ms = history->LookupMs(platform, topology, items)) {
      return {*ms, EstimateSource::kHistory};
    }
  }
  for (const ReferenceLatency& row : kReferenceLatencies) {
    if (row.platform == platform && row.topology == topology) {
      return {std::max(row.first_ms, static_cast<double>(items) * row.per_item_ms), row.source};
    }
  }
  return {kDefaultIterationMs, EstimateSource::kDefault};
}

double PointDeviceMs(const common::RunSpec& run, double iteration_ms) {
  const double timed = std::max(static_cast<double>(run.iterations) * iteration_ms,
                                static_cast<double>(run.min_duration.count()));
  return static_cast<double>(run.repeats) *
         (static_cast<double>(run.warmup) * iteration_ms + timed);
}

}  // namespace benchd::cli
