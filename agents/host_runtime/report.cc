#include "agents/host_runtime/report.h"

#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstdarg>
#include <cstdio>

namespace benchd::host_runtime {
namespace {

__attribute__((format(printf, 2, 3))) void Append(std::string& out, const char* format, ...) {
  char buffer[512];
  va_list args;
  va_start(args, format);
  const int length = std::vsnprintf(buffer, sizeof(buffer), format, args);
  va_end(args);
  if (length > 0)
    out.append(buffer, std::min<size_t>(static_cast<size_t>(length), sizeof(buffer) - 1));
}

// Nanoseconds as microseconds with exactly three decimals, so the printed
// value is the measured one, not a rounding of it.
void AppendMicros(std::string& out, const char* key, int64_t ns) {
  Append(out, " %s=%" PRId64 ".%03" PRId64, key, ns / 1000, ns % 1000);
}

// The runtime does not link benchd_common (it must run on a lab machine with
// nothing but oneDNN), so it repeats the one percentile rule benchd uses:
// linear interpolation between closest ranks.
double Percentile(const std::vector<double>& sorted, double q) {
  const double rank = q / 100.0 * static_cast<double>(sorted.size() - 1);
  const auto lower = static_cast<size_t>(std::floor(rank));
  const size_t upper = std::min(lower + 1, sorted.size() - 1);
  return sorted[lower] + (sorted[upper] - sorted[lower]) * (rank - static_cast<double>(lower));
}

}  // namespace

std::string FormatHeaderLine(const RuntimeInfo& info) {
  std::string out;
  Append(out, "benchd-host-mlp format=%d version=%s onednn=%s threading=%s isa=%s threads=%d\n",
         kOutputFormatVersion, info.version.c_str(), info.onednn.c_str(), info.threading.c_str(),
         info.isa.c_str(), info.threads);
  return out;
}

std::string FormatReport(const RuntimeInfo& info, const RunConfig& config,
                         const Measurements& measurements) {
  std::string out = FormatHeaderLine(info);
  out.reserve(out.size() + 64 * measurements.latency_ns.size() + 1024);
  Append(out,
         "config topology=MLP pruning=%g precision=%s batch=%" PRId64 " hidden=%" PRId64
         " params=%" PRId64 " ops_per_inference=%" PRId64 " warmup=%d iterations=%d seed=%" PRIu64
         "\n",
         config.pruning, PrecisionName(config.precision), config.batch, config.shape.HiddenWidth(),
         config.shape.Params(), config.shape.OpsPerInference(), config.warmup, config.iterations,
         config.seed);
  for (int layer = 0; layer < config.shape.LayerCount(); ++layer) {
    std::string impl = layer < static_cast<int>(measurements.layer_implementations.size())
                           ? measurements.layer_implementations[layer]
                           : "unknown";
    std::replace(impl.begin(), impl.end(), ' ', '_');  // keeps the value one token
    Append(out, "layer i=%d in=%" PRId64 " out=%" PRId64 " impl=%s\n", layer,
           config.shape.widths[layer], config.shape.widths[layer + 1], impl.c_str());
  }
  Append(out, "warmup done=%d\n", config.warmup);

  const size_t count = measurements.latency_ns.size();
  std::vector<double> sorted_us;
  sorted_us.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    Append(out, "sample i=%zu", i);
    AppendMicros(out, "latency_us", measurements.latency_ns[i]);
    Append(out, " t_ns=%" PRId64 "\n", measurements.completion_ns[i]);
    sorted_us.push_back(static_cast<double>(measurements.latency_ns[i]) / 1000.0);
  }
  if (count > 0) {
    std::sort(sorted_us.begin(), sorted_us.end());
    double sum = 0;
    for (double x : sorted_us) sum += x;
    const double mean_us = sum / static_cast<double>(count);
    const double batch = static_cast<double>(config.batch);
    const double fps = batch * 1e6 / mean_us;
    const double gops =
        static_cast<double>(config.shape.OpsPerInference()) * batch / (mean_us * 1e-6) / 1e9;
    Append(out,
           "summary count=%zu mean_us=%.3f median_us=%.3f p99_us=%.3f min_us=%.3f max_us=%.3f "
           "fps=%.3f gops=%.4f\n",
           count, mean_us, Percentile(sorted_us, 50), Percentile(sorted_us, 99), sorted_us.front(),
           sorted_us.back(), fps, gops);
  }
  Append(out, "check max_abs_err=%.6g ref_max_abs=%.6g\n", measurements.check_max_abs_error,
         measurements.check_reference_max_abs);
  return out;
}

}  // namespace benchd::host_runtime
