// benchd-power-bench: what a kHz power sampler costs and how regular its
// timestamps are. It builds a fake hwmon chip with N power rails in a
// temporary directory (regular files, not sysfs: a real sensor read costs
// more, an I2C transaction for an INA3221), samples them with the real
// PowerMonitor and MonotonicClock at the given rate for the given time,
// drains the buffer every 100 ms as an agent would, and prints
//   cpu      the process's user + system CPU time over the run, in % of one
//            core (getrusage; includes the draining main thread);
//   jitter   per poll, how late its timestamp is after the grid point
//            t0 + k * period it waited for, p50 / p99 / max (at most one
//            period: a poll later than that skips grid points, counted as
//            missed), and the deviation of each interval between two polls
//            from the period, which shows those gaps;
//   missed   periods skipped because a poll came too late.
// Both figures depend on the machine's load, printed before and after. A
// program to run by hand, not a test.
//
// Usage: benchd-power-bench [--seconds 10] [--rate 1000] [--rails 4]

#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "agents/power/power_monitor.h"
#include "common/statistics.h"

namespace {

using benchd::agent::power::MonotonicClock;
using benchd::agent::power::PowerMonitor;
using benchd::agent::power::PowerSample;
using benchd::agent::power::PowerSourceConfig;
using benchd::agent::power::PowerSourceType;

double CpuSeconds() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& tv) { return static_cast<double>(tv.tv_sec) + tv.tv_usec * 1e-6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

std::string LoadAverage() {
  std::ifstream file("/proc/loadavg");
  std::string text;
  std::getline(file, text);
  return text;
}

struct Spread {
  double p50_us, p99_us, max_us;
};

Spread SpreadOf(std::vector<double> values_us) {
  std::sort(values_us.begin(), values_us.end());
  return {benchd::common::PercentileOfSorted(values_us, 50), benchd::common::PercentileOfSorted(values_us, 99),
          values_us.empty() ? 0 : values_us.back()};
}

int Main(int argc, char** argv) {
  double seconds = 10;
  double rate_hz = 1000;
  int rails = 4;
  CLI::App app("Measures the CPU cost and timestamp jitter of a polling power sampler");
  app.add_option("--seconds", seconds, "how long to sample")->check(CLI::PositiveNumber);
  app.add_option("--rate", rate_hz, "polling rate in Hz")->check(CLI::Range(1.0, 10000.0));
  app.add_option("--rails", rails, "power rails on the fake chip")->check(CLI::Range(1, 64));
  CLI11_PARSE(app, argc, argv);

  char dir_template[] = "/tmp/benchd-power-bench-XXXXXX";
  if (::mkdtemp(dir_template) == nullptr) {
    std::perror("mkdtemp");
    return 1;
  }
  const std::filesystem::path root = dir_template;
  const std::filesystem::path chip = root / "sys/class/hwmon/hwmon0";
  std::filesystem::create_directories(chip);
  std::ofstream(chip / "name") << "bench\n";
  for (int i = 1; i <= rails; ++i) {
    std::ofstream(chip / ("power" + std::to_string(i) + "_input")) << 1000000 * i << "\n";
    std::ofstream(chip / ("power" + std::to_string(i) + "_label")) << "RAIL" << i << "\n";
  }

  PowerSourceConfig source;
  source.type = PowerSourceType::kHwmon;
  source.rate_hz = rate_hz;
  MonotonicClock clock;
  auto monitor = PowerMonitor::Create({source}, clock, {root.string()});
  if (!monitor.ok()) {
    std::fprintf(stderr, "%s\n", std::string(monitor.status().message()).c_str());
    return 1;
  }
  std::printf("load before: %s\n", LoadAverage().c_str());
  std::vector<PowerSample> samples;
  samples.reserve(static_cast<size_t>(seconds * rate_hz * rails * 1.1));
  const double cpu_before = CpuSeconds();
  const auto wall_begin = std::chrono::steady_clock::now();
  if (absl::Status status = (*monitor)->Start(); !status.ok()) {
    std::fprintf(stderr, "%s\n", std::string(status.message()).c_str());
    return 1;
  }
  const auto wall_end = wall_begin + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < wall_end) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    std::vector<PowerSample> batch = (*monitor)->Drain();
    samples.insert(samples.end(), batch.begin(), batch.end());
  }
  (*monitor)->Stop();
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_begin).count();
  const double cpu = CpuSeconds() - cpu_before;
  std::vector<PowerSample> rest = (*monitor)->Drain();
  samples.insert(samples.end(), rest.begin(), rest.end());
  std::printf("load after:  %s\n", LoadAverage().c_str());

  // One rail's timestamps are the poll times; the final poll at Stop() is off the grid.
  std::vector<int64_t> t_ns;
  for (const PowerSample& sample : samples) {
    if (sample.rail == 0) t_ns.push_back(sample.t_ns);
  }
  if (t_ns.size() > 1) t_ns.pop_back();
  const double period_ns = 1e9 / rate_hz;
  std::vector<double> grid_us;
  std::vector<double> interval_us;
  for (size_t k = 0; k < t_ns.size(); ++k) {
    // Polls are never early: the lateness after the last grid point passed.
    grid_us.push_back(std::fmod(static_cast<double>(t_ns[k] - t_ns[0]), period_ns) * 1e-3);
    if (k > 0) interval_us.push_back(std::abs(static_cast<double>(t_ns[k] - t_ns[k - 1]) - period_ns) * 1e-3);
  }
  const Spread grid = SpreadOf(grid_us);
  const Spread interval = SpreadOf(interval_us);
  const auto stats = (*monitor)->stats().at(0).second;
  std::printf("rails %d at %.0f Hz for %.2f s: %zu polls (%.1f Hz effective), %zu samples, %llu dropped\n", rails,
              rate_hz, wall, t_ns.size(), static_cast<double>(t_ns.size()) / wall, samples.size(),
              static_cast<unsigned long long>((*monitor)->dropped_samples()));
  std::printf("cpu: %.3f s of %.3f s wall = %.2f %% of one core\n", cpu, wall, 100.0 * cpu / wall);
  std::printf("lateness vs ideal grid:    p50 %.1f us  p99 %.1f us  max %.1f us\n", grid.p50_us, grid.p99_us,
              grid.max_us);
  std::printf("jitter of poll intervals:  p50 %.1f us  p99 %.1f us  max %.1f us\n", interval.p50_us,
              interval.p99_us, interval.max_us);
  std::printf("missed deadlines: %llu, read errors: %llu\n", static_cast<unsigned long long>(stats.missed_deadlines),
              static_cast<unsigned long long>(stats.errors));
  std::filesystem::remove_all(root);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return Main(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "benchd-power-bench: %s\n", e.what());
    return 1;
  }
}
