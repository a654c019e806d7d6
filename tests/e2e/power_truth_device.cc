// e2e-power-device: a simulated accelerator whose latency distribution and
// power trace are known exactly, so a test can compare what benchd stores
// with the truth. Driven by the `command` driver (kv output):
//
//   e2e-power-device --power-dir D --iterations N --repeat R
//
// Latencies: the N quantiles F^-1((k + 0.5) / N) of a normal distribution
// (mean --mean-us, standard deviation --std-us) in a seeded random order, so
// the sample's mean and percentiles are the distribution's up to rounding.
// Each inference ends at an absolute deadline t0 + sum of the latencies
// before it, so the measure window lasts exactly their sum. Power (hwmon
// layout under D, chip "truth"): --idle-w for --idle-ms with the `idle`
// phase, then during `measure` a square wave alternating --low-w and --high-w
// every --half-period-ms from t0, then --idle-w again. Repeats can differ on
// purpose: repeat R's mean is shifted by R x --drift-us plus the (R mod k)-th
// of --repeat-offsets-us (comma-separated), for adaptive-repeat and warning
// tests. With --trace-file F the device appends what it really did to F:
// `write <t_ns> <watts>` for every power value it wrote (at the time the
// write returned) and `measure <t0_ns> <end_ns>` per repeat, so a test can
// compute the exact energy of the trace it produced, late wake-ups
// included. Phase lines and
// per-sample completion times are on CLOCK_MONOTONIC (std::chrono::steady_clock).

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <mutex>
#include <numeric>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "agents/sim/common/sim_power.h"
#include "agents/sim/common/tool_args.h"

namespace {

using Clock = std::chrono::steady_clock;

int64_t Ns(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

// Acklam's rational approximation of the standard normal quantile (relative
// error below 1.2e-9), enough for quantiles of latencies.
double NormalQuantile(double p) {
  static const double a[] = {-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
                             1.383577518672690e+02,  -3.066479806614716e+01, 2.506628277459239e+00};
  static const double b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                             6.680131188771972e+01,  -1.328068155288572e+01};
  static const double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                             -2.549732539343734e+00, 4.374664141464968e+00,  2.938163982698783e+00};
  static const double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                             3.754408661907416e+00};
  const double low = 0.02425;
  if (p < low) {
    const double q = std::sqrt(-2 * std::log(p));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
           ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  if (p > 1 - low) return -NormalQuantile(1 - p);
  const double q = p - 0.5;
  const double r = q * q;
  return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
         (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

int Fail(const std::string& message) {
  std::cerr << "e2e-power-device: " << message << "\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  const benchd::sim::ToolArgs args = benchd::sim::ParseEqualsFlags(argc, argv);
  const std::string dir = args.Get("power-dir");
  const long long iterations = args.GetInt("iterations", 1000).value_or(0);
  const long long repeat = args.GetInt("repeat", 0).value_or(0);
  const double mean_us = args.GetDouble("mean-us", 1000).value_or(-1);
  const double std_us = args.GetDouble("std-us", 50).value_or(-1);
  const double idle_w = args.GetDouble("idle-w", 2.0).value_or(-1);
  const double low_w = args.GetDouble("low-w", 6.0).value_or(-1);
  const double high_w = args.GetDouble("high-w", 9.0).value_or(-1);
  const double idle_ms = args.GetDouble("idle-ms", 300).value_or(-1);
  const double half_period_ms = args.GetDouble("half-period-ms", 50).value_or(-1);
  const double drift_us = args.GetDouble("drift-us", 0).value_or(0);
  std::vector<double> offsets;
  for (std::string rest = args.Get("repeat-offsets-us"); !rest.empty();) {
    const size_t comma = rest.find(',');
    char* end = nullptr;
    const std::string text = rest.substr(0, comma);
    offsets.push_back(std::strtod(text.c_str(), &end));
    if (text.empty() || *end != '\0') return Fail("bad --repeat-offsets-us '" + text + "'");
    rest = comma == std::string::npos ? "" : rest.substr(comma + 1);
  }
  const double shift_us = static_cast<double>(repeat) * drift_us +
                          (offsets.empty() ? 0 : offsets[static_cast<size_t>(repeat) % offsets.size()]);
  if (dir.empty() || iterations < 1 || mean_us <= 0 || std_us < 0 || idle_w < 0 || low_w < 0 || high_w < 0 ||
      idle_ms < 0 || half_period_ms <= 0) {
    return Fail("bad arguments");
  }
  absl::StatusOr<benchd::sim::PowerTree> tree =
      benchd::sim::PowerTree::Open({dir, benchd::sim::PowerLayout::kHwmon, "truth", idle_w, false});
  if (!tree.ok()) return Fail(tree.status().ToString());

  std::vector<double> latency_us(static_cast<size_t>(iterations));
  for (size_t k = 0; k < latency_us.size(); ++k) {
    const double p = (static_cast<double>(k) + 0.5) / static_cast<double>(latency_us.size());
    latency_us[k] = mean_us + shift_us + std_us * NormalQuantile(p);
  }
  std::mt19937_64 engine(1234 + static_cast<uint64_t>(repeat));
  std::shuffle(latency_us.begin(), latency_us.end(), engine);

  std::ofstream trace;
  if (args.Has("trace-file")) trace.open(args.Get("trace-file"), std::ios::app);
  std::mutex trace_mu;
  const auto write_power = [&](double watts) {
    const bool written = tree->Write(watts).ok();
    if (trace.is_open()) {
      std::lock_guard lock(trace_mu);
      trace << "write " << Ns(Clock::now()) << " " << watts << "\n";
    }
    return written;
  };
  if (!write_power(idle_w)) return Fail("cannot write power");
  // Without an idle hold there is no idle phase to mark.
  if (idle_ms > 0) std::printf("phase=idle t_ns=%lld\n", static_cast<long long>(Ns(Clock::now())));
  std::this_thread::sleep_until(Clock::now() + std::chrono::microseconds(static_cast<int64_t>(idle_ms * 1e3)));

  const Clock::time_point t0 = Clock::now();
  std::atomic<bool> measuring{true};
  // The square wave, phase-locked to t0; its edges are absolute deadlines.
  std::thread wave([&] {
    const auto half = std::chrono::microseconds(static_cast<int64_t>(half_period_ms * 1e3));
    for (int64_t edge = 0; measuring; ++edge) {
      std::this_thread::sleep_until(t0 + edge * half);
      if (!measuring) break;
      static_cast<void>(write_power(edge % 2 == 0 ? low_w : high_w));
    }
  });
  std::printf("phase=measure t_ns=%lld\n", static_cast<long long>(Ns(t0)));
  std::vector<int64_t> completed(latency_us.size());
  double elapsed_us = 0;
  for (size_t k = 0; k < latency_us.size(); ++k) {
    elapsed_us += latency_us[k];
    const Clock::time_point due = t0 + std::chrono::nanoseconds(static_cast<int64_t>(elapsed_us * 1e3));
    std::this_thread::sleep_until(due);
    completed[k] = Ns(due);
  }
  const Clock::time_point end = t0 + std::chrono::nanoseconds(static_cast<int64_t>(elapsed_us * 1e3));
  measuring = false;
  wave.join();
  static_cast<void>(write_power(idle_w));
  if (trace.is_open()) trace << "measure " << Ns(t0) << " " << Ns(end) << "\n";
  for (size_t k = 0; k < latency_us.size(); ++k) {
    std::printf("i=%zu latency_us=%.3f t_ns=%lld\n", k, latency_us[k], static_cast<long long>(completed[k]));
  }
  std::printf("phase=end t_ns=%lld\n", static_cast<long long>(Ns(end)));
  return 0;
}
