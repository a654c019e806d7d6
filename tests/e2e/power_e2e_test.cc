// Power and measurement truth end to end: a simulated accelerator with a
// known latency distribution and a known power trace (e2e-power-device),
// sampled by a real agent at 1 kHz from sysfs-like files, stored by a real
// benchd in PostgreSQL and read back with benchctl. The stored figures must
// match the truth within 0.5 %.

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <utility>
#include <vector>
#include <sstream>
#include <string>

#include "agents/sim/common/sim_power.h"
#include "tests/e2e/cluster.h"

namespace benchd::testing {
namespace {

// The device's defaults (power_truth_device.cc).
constexpr double kMeanUs = 1000;
constexpr double kStdUs = 50;
constexpr double kIdleW = 2.0;
constexpr double kLowW = 6.0;
constexpr double kHighW = 9.0;
constexpr double kBaseW = 1.0;
// z(0.99) of the standard normal.
constexpr double kZ99 = 2.3263478740408408;

// The power trace the device really produced (--trace-file): each written
// value holds from its write to the next; and its measure windows.
struct ProducedTrace {
  std::vector<std::pair<int64_t, double>> writes;
  std::vector<std::pair<int64_t, int64_t>> windows;

  static ProducedTrace Read(const std::string& path) {
    ProducedTrace produced;
    std::ifstream in(path);
    std::string kind;
    while (in >> kind) {
      if (kind == "write") {
        int64_t t = 0;
        double watts = 0;
        in >> t >> watts;
        produced.writes.emplace_back(t, watts);
      } else {
        int64_t begin = 0, end = 0;
        in >> begin >> end;
        produced.windows.emplace_back(begin, end);
      }
    }
    return produced;
  }

  // ∫ P dt over the measure windows, in joules.
  double MeasureEnergy() const {
    double joules = 0;
    for (const auto& [begin, end] : windows) {
      for (size_t i = 0; i < writes.size(); ++i) {
        const int64_t from = std::max(begin, writes[i].first);
        const int64_t to = std::min(end, i + 1 < writes.size() ? writes[i + 1].first : end);
        if (to > from) joules += writes[i].second * static_cast<double>(to - from) * 1e-9;
      }
    }
    return joules;
  }
  double MeasureSeconds() const {
    double seconds = 0;
    for (const auto& [begin, end] : windows) seconds += static_cast<double>(end - begin) * 1e-9;
    return seconds;
  }
};

std::string TruthDevice(const std::string& name, const std::string& power_dir, const std::string& trace_file,
                        const std::string& extra_args) {
  return "  - name: " + name + "\n"
         "    driver: command\n"
         "    platform: host-cpu\n"
         "    options:\n"
         "      argv: '[\"" + Cluster::BinPath("e2e-power-device") + "\", \"--power-dir=" + power_dir +
         "\", \"--trace-file=" + trace_file + "\", \"--iterations={iterations}\", \"--repeat={repeat}\", "
         "\"--idle-ms={idle_ms}\"" + extra_args + "]'\n"
         "      parser: kv\n"
         "      fields: latency_us=latency_us\n"
         "    power:\n"
         "      - {type: hwmon, path: \"" + power_dir + "\", rate_hz: 1000}\n";
}

// The board at rest before the agent discovers its rail (what
// sim-power-rails does for the demo).
void CreateRails(const std::string& dir, double watts) {
  absl::StatusOr<sim::PowerTree> tree = sim::PowerTree::Open({dir, sim::PowerLayout::kHwmon, "truth", watts, true});
  ASSERT_TRUE(tree.ok()) << tree.status();
  ASSERT_TRUE(tree->Write(watts).ok());
}

double Relative(double stored, double truth) { return std::abs(stored - truth) / truth; }

class PowerE2eTest : public ::testing::Test {
 protected:
  // Measures the one point batch = 1 on a truth device started with
  // `device_args` (more argv elements, JSON), under the sweep's `run` and
  // `power` sections (flow maps).
  void MeasureOnePoint(const std::string& device_args, const std::string& run, const std::string& power) {
    cluster.StartBenchd();
    const std::string rails = cluster.path("rails");
    CreateRails(rails, kBaseW);
    cluster.StartAgent("power-agent", TruthDevice("truth-0", rails, trace_file(), device_args));
    cluster.SubmitAndWatch("truth.yaml",
                           "name: truth\nplatform: host-cpu\nmatrix:\n  batch: [1]\nrun: " + run + "\npower: " + power +
                               "\n",
                           "1 succeeded");
  }

  std::string trace_file() const { return cluster.path("produced-trace.txt"); }

  Cluster cluster;
};

TEST_F(PowerE2eTest, StoredLatencyAndEnergyMatchAKnownDeviceWithinHalfAPercent) {
  MeasureOnePoint("", "{warmup: 0, iterations: 1500, repeats: 2, timeout: 2m, retries: 0}",
                  "{base: 400ms, idle: 300ms, sample_hz: 1000}");

  // The device's latencies are the distribution's quantiles: the sample's
  // mean is the distribution's, its p99 (linear interpolation) within a
  // fraction of a microsecond of F^-1(0.99).
  EXPECT_LT(Relative(StoredNumber(cluster.RunValue("mean_us", R"({"batch": 1})")), kMeanUs), 0.005);
  EXPECT_LT(Relative(StoredNumber(cluster.RunValue("p99_us", R"({"batch": 1})")), kMeanUs + kZ99 * kStdUs), 0.005);
  EXPECT_EQ(cluster.RunValue("latency_count", R"({"batch": 1})"), "3000");

  // Each repeat measures for the sum of its latencies, 1.5 s: 30 half
  // periods of the square wave, 7.5 W on average. The truth is the trace
  // the device really wrote (its wake-ups may be late on a busy machine).
  const ProducedTrace produced = ProducedTrace::Read(trace_file());
  ASSERT_EQ(produced.windows.size(), 2u);
  const double measure_s = 1500 * kMeanUs * 1e-6;
  EXPECT_NEAR(produced.MeasureSeconds(), 2 * measure_s, 1e-6);
  const double energy_truth = produced.MeasureEnergy() / 3000;
  const double full_truth = produced.MeasureEnergy() / produced.MeasureSeconds();
  EXPECT_NEAR(full_truth, (kLowW + kHighW) / 2, 0.05);
  EXPECT_LT(Relative(StoredNumber(cluster.RunValue("energy_per_inference_j", R"({"batch": 1})")), energy_truth),
            0.005);
  EXPECT_LT(Relative(StoredNumber(cluster.RunValue("full_w", R"({"batch": 1})")), full_truth), 0.005);
  EXPECT_LT(Relative(StoredNumber(cluster.RunValue("idle_w", R"({"batch": 1})")), kIdleW), 0.01);
  EXPECT_LT(Relative(StoredNumber(cluster.RunValue("base_w", R"({"batch": 1})")), kBaseW), 0.01);
  EXPECT_LT(Relative(StoredNumber(cluster.RunValue("dynamic_energy_per_inference_j", R"({"batch": 1})")),
                     energy_truth - kIdleW * measure_s / 1500),
            0.01);
  EXPECT_EQ(cluster.RunValue("repeat_count", R"({"batch": 1})"), "2");
  std::printf("stored vs truth: mean %s / %.3f us, p99 %s / %.3f us, energy %s / %.9f J, full %s / %.6f W\n",
              cluster.RunValue("mean_us", R"({"batch": 1})").c_str(), kMeanUs,
              cluster.RunValue("p99_us", R"({"batch": 1})").c_str(), kMeanUs + kZ99 * kStdUs,
              cluster.RunValue("energy_per_inference_j", R"({"batch": 1})").c_str(), energy_truth,
              cluster.RunValue("full_w", R"({"batch": 1})").c_str(), full_truth);

  // The samples themselves are stored, at about the configured rate.
  const std::string run_id = cluster.RunValue("id", R"({"batch": 1})");
  const double samples = StoredNumber(cluster.QueryValue("SELECT count(*) FROM power_samples WHERE run_id = " + run_id));
  EXPECT_GT(samples, 0.8 * 1000 * (0.4 + 2 * (0.3 + measure_s)));
  EXPECT_EQ(cluster.QueryValue("SELECT DISTINCT channel FROM power_samples WHERE run_id = " + run_id), "board");

  // benchctl shows the power figures next to latency and FPS ...
  const CommandResult results = cluster.Benchctl({"results", "1", "--format", "csv"});
  ASSERT_EQ(results.exit_code, 0) << results.err;
  EXPECT_NE(results.out.find("base_w,idle_w,full_w,mj_per_inference,dynamic_mj_per_inference"), std::string::npos)
      << results.out;

  // ... and writes the run's raw trace as CSV.
  const CommandResult trace = cluster.Benchctl({"trace", run_id});
  ASSERT_EQ(trace.exit_code, 0) << trace.err;
  std::istringstream lines(trace.out);
  std::string line;
  std::getline(lines, line);
  EXPECT_EQ(line, "kind,name,repeat,index,t_ns,value,unit");
  int phase_rows = 0, power_rows = 0, latency_rows = 0;
  while (std::getline(lines, line)) {
    if (line.rfind("phase,", 0) == 0) ++phase_rows;
    if (line.rfind("power,board,", 0) == 0) ++power_rows;
    if (line.rfind("latency,system,", 0) == 0) ++latency_rows;
  }
  EXPECT_GE(phase_rows, 7);  // base, end, then idle, measure, end per repeat, end
  EXPECT_EQ(power_rows, static_cast<int>(samples));
  EXPECT_EQ(latency_rows, 3000);
  EXPECT_NE(cluster.Benchctl({"trace", "999999"}).exit_code, 0);
}

TEST_F(PowerE2eTest, AdaptiveRepeatsStopWhenTheIntervalIsWithinTheTarget) {
  // Repeat means 1004, 996, 1002, 998, ...: the 95 % interval of their mean
  // is +/- 5.0 %, 1.03 %, 0.58 % after 2, 3, 4 repeats.
  MeasureOnePoint(", \"--repeat-offsets-us=4,-4,2,-2\"",
                  "{warmup: 0, iterations: 200, ci_target: 1%, max_repeats: 10, timeout: 2m}", "{idle: 0ms}");
  EXPECT_EQ(cluster.RunValue("repeat_count", R"({"batch": 1})"), "4");
  EXPECT_EQ(cluster.RunValue("environment->>'repeats_made'", R"({"batch": 1})"), "4");
  EXPECT_EQ(cluster.RunValue("latency_count", R"({"batch": 1})"), "800");
  EXPECT_EQ(cluster.RunValue("warnings", R"({"batch": 1})"), "");
}

TEST_F(PowerE2eTest, DriftingRepeatsAreFlagged) {
  MeasureOnePoint(", \"--drift-us=30\"", "{warmup: 0, iterations: 100, repeats: 3, timeout: 2m}", "{idle: 0ms}");
  const std::string warnings = cluster.RunValue("warnings", R"({"batch": 1})");
  EXPECT_NE(warnings.find("latency drifts: the repeat means rise"), std::string::npos) << warnings;
  EXPECT_EQ(cluster.QueryValue("SELECT count(*) FROM events WHERE kind = 'measurement_warning'"), "1");
}

}  // namespace
}  // namespace benchd::testing
