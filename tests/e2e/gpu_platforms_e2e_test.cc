// End to end on the accelerator platforms, with simulated devices: benchctl
// -> benchd -> bench-agent -> jetson / openvino / edgetpu driver ->
// sim-trtexec (+ sim-nvpmodel, sim-jetson_clocks) / sim-benchmark_app /
// sim-benchmark_model -> PostgreSQL. The simulators run without noise
// (env.BENCHD_SIM_NOISE in the driver options), so the stored figures must
// equal QuTiBench's published ones.

#include <csignal>
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "agents/sim/common/reference_data.h"
#include "tests/e2e/cluster.h"
#include "tests/support/wait_until.h"

namespace benchd::testing {
namespace {


void StopAgent(Cluster& cluster, const std::string& name) {
  cluster.agent(name).Signal(SIGTERM);
  EXPECT_TRUE(cluster.agent(name).WaitFor(std::chrono::seconds(30)).has_value()) << cluster.Logs();
}

// An NCS2 stick driven by openvino with `tool` as its benchmark_app (the
// simulator by default); `extra_options` are further option lines.
std::string Ncs2Device(const std::string& models, const std::string& tool = Cluster::BinPath("sim-benchmark_app"),
                       const std::string& extra_options = "") {
  return "  - name: ncs2-0\n"
         "    driver: openvino\n"
         "    platform: ncs2\n"
         "    options:\n"
         "      model_dir: \"" + models + "\"\n"
         "      benchmark_app: \"" + tool + "\"\n" + extra_options;
}

std::string ModelDir(Cluster& cluster, std::initializer_list<const char*> files) {
  const std::string dir = cluster.path("models");
  std::filesystem::create_directories(dir);
  for (const char* file : files) std::ofstream(dir + "/" + file) << "simulated model\n";
  return dir;
}

TEST(GpuPlatformsE2ETest, Tx2SweepSetsPowerModesAndStoresTrtexecFigures) {
  Cluster cluster;
  ASSERT_NO_FATAL_FAILURE(cluster.StartBenchd());
  const std::string models = ModelDir(cluster, {"MLP-p12.5.onnx"});
  const std::string state = cluster.path("tx2-state");
  cluster.StartAgent("agent-tx2", Cluster::SimulatedTx2("tx2-0", models, state, cluster.path("l4t_dfs.conf")));
  ASSERT_NO_FATAL_FAILURE(cluster.SubmitAndWatch("tx2.yaml", R"(name: e2e-tx2
platform: tx2
model: {topology: MLP, dataset: mnist}
matrix:
  power_mode: [maxn, maxq]
  precision: [FP16]
  batch: [1, 4]
  pruning: [12.5]
run: {iterations: 50, timeout: 1m}
)", "4 succeeded, 0 failed"));

  for (const char* mode : {"maxn", "maxq"}) {
    for (int batch : {1, 4}) {
      SCOPED_TRACE(std::string(mode) + " batch " + std::to_string(batch));
      const std::string match = "{\"power_mode\": \"" + std::string(mode) + "\", \"batch\": " + std::to_string(batch) + "}";
      const std::optional<sim::QutibenchRow> row =
          sim::FindQutibench(std::string("TX2-") + mode, "MLP", "FP16", mode, batch, 12.5);
      ASSERT_TRUE(row.has_value());
      ASSERT_EQ(row->batch, batch);
      // Latency = H2D + compute + D2H = QuTiBench lat-sys; compute = lat-comp.
      EXPECT_NEAR(StoredNumber(cluster.RunValue("mean_us", match)), *row->lat_sys_ms * 1000, 0.01);
      EXPECT_NEAR(StoredNumber(cluster.RunMetric("compute_mean_us", match)), *row->lat_comp_ms * 1000, 0.01);
      EXPECT_NEAR(StoredNumber(cluster.RunValue("fps", match)), batch * 1000 / *row->lat_sys_ms,
                  1e-4 * batch * 1000 / *row->lat_sys_ms);
      EXPECT_EQ(cluster.RunValue("latency_count", match), "50");
      EXPECT_EQ(cluster.RunValue("inferences", match), std::to_string(50 * batch));
      EXPECT_EQ(cluster.RunValue("environment->>'nvpmodel_name'", match), mode == std::string("maxn") ? "MAXN" : "MAXQ");
      EXPECT_EQ(cluster.RunValue("environment->>'jetson_clocks'", match), "pinned");
      EXPECT_EQ(cluster.QueryValue("SELECT count(*) FROM latency_samples s JOIN runs r ON r.id = s.run_id JOIN "
                                   "experiments e ON e.id = r.experiment_id WHERE r.state = 'succeeded' AND "
                                   "e.parameters::jsonb @> '" + match + "'::jsonb"),
                "50");
    }
  }
  // The raw tool output is kept in the run directories.
  bool raw_kept = false;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(cluster.path("runs-agent-tx2"))) {
    raw_kept = raw_kept || entry.path().filename() == "trtexec-repeat-0.stdout";
  }
  EXPECT_TRUE(raw_kept);

  // Stopping the agent restores the board: TX2's boot mode 3 and free clocks.
  StopAgent(cluster, "agent-tx2");
  std::ifstream mode_file(state + "/nvpmodel");
  std::string mode;
  std::getline(mode_file, mode);
  EXPECT_EQ(mode, "3");
  std::ifstream clocks_file(state + "/jetson_clocks");
  std::string clocks;
  std::getline(clocks_file, clocks);
  EXPECT_EQ(clocks, "off");
  ASSERT_NO_FATAL_FAILURE(cluster.StopBenchd());
}

TEST(GpuPlatformsE2ETest, Ncs2SweepStoresBenchmarkAppSummary) {
  Cluster cluster;
  ASSERT_NO_FATAL_FAILURE(cluster.StartBenchd());
  const std::string models = ModelDir(cluster, {"ResNet-50.xml"});
  cluster.StartAgent("agent-ncs2", Ncs2Device(models, Cluster::BinPath("sim-benchmark_app"),
                                              "      env.BENCHD_SIM_NOISE: \"0\"\n"));
  ASSERT_NO_FATAL_FAILURE(cluster.SubmitAndWatch("ncs2.yaml", R"(name: e2e-ncs2
platform: ncs2
model: {topology: ResNet-50, dataset: imagenet}
matrix:
  precision: [FP16]
  batch: [1, 2]
run: {iterations: 20, timeout: 1m}
)", "2 succeeded, 0 failed"));
  for (int batch : {1, 2}) {
    SCOPED_TRACE("batch " + std::to_string(batch));
    const std::string match = "{\"batch\": " + std::to_string(batch) + "}";
    const std::optional<sim::QutibenchRow> row = sim::FindQutibench("NCS2", "ResNet-50", "FP16", "", batch, 100);
    ASSERT_TRUE(row.has_value());
    // benchmark_app prints ms with 2 decimals: 0.005 ms = 5 us of rounding.
    EXPECT_NEAR(StoredNumber(cluster.RunValue("mean_us", match)), *row->lat_sys_ms * 1000, 5.01);
    EXPECT_NEAR(StoredNumber(cluster.RunValue("median_us", match)), *row->lat_sys_ms * 1000, 5.01);
    EXPECT_NEAR(StoredNumber(cluster.RunValue("fps", match)), batch * 1000 / *row->lat_sys_ms, 0.0051);
    EXPECT_EQ(cluster.RunValue("latency_count", match), "20");
    EXPECT_EQ(cluster.RunValue("environment->>'api'", match), "sync");
    EXPECT_EQ(cluster.RunValue("environment->>'latency_scope'", match), "request");
  }
  // Summary statistics only: no per-inference samples were invented.
  EXPECT_EQ(cluster.QueryValue("SELECT count(*) FROM latency_samples"), "0");
  StopAgent(cluster, "agent-ncs2");
  ASSERT_NO_FATAL_FAILURE(cluster.StopBenchd());
}

// A model the board does not have fails its experiments once each, as
// measurement failures; it says nothing about the board, which stays in
// service for the experiments it can run (with the board's default
// quarantine_after of 3, four such failures would otherwise quarantine it).
TEST(GpuPlatformsE2ETest, AModelTheDeviceLacksFailsOnlyItsOwnExperiments) {
  Cluster cluster;
  ASSERT_NO_FATAL_FAILURE(cluster.StartBenchd());
  const std::string models = ModelDir(cluster, {"ResNet-50.xml"});
  cluster.StartAgent("agent-ncs2", Ncs2Device(models));
  const std::string path = cluster.WriteFile("ncs2-missing.yaml", R"(name: e2e-ncs2-missing-model
platform: ncs2
matrix:
  topology: [GoogLeNetv1, ResNet-50]
  precision: [FP16]
  batch: [1, 2, 4, 8]
run: {iterations: 10, timeout: 1m}
)");
  CommandResult submit = cluster.Benchctl({"submit", path, "--watch"});
  EXPECT_EQ(submit.exit_code, 5) << submit.out << submit.err << cluster.Logs();
  EXPECT_NE(submit.out.find("4 succeeded, 4 failed"), std::string::npos) << submit.out << cluster.Logs();

  const std::string missing = "parameters::jsonb @> '{\"topology\": \"GoogLeNetv1\"}'";
  EXPECT_EQ(cluster.QueryValue("SELECT string_agg(DISTINCT failure_kind, ',') FROM experiments WHERE " + missing),
            "measurement");
  const std::string error = cluster.QueryValue("SELECT min(error) FROM experiments WHERE " + missing);
  EXPECT_NE(error.find("openvino has no model GoogLeNetv1.xml on this device"), std::string::npos) << error;
  EXPECT_NE(error.find(".xml files there: ResNet-50.xml"), std::string::npos) << error;
  // Not retried: one run per experiment.
  EXPECT_EQ(cluster.QueryValue("SELECT count(*) FROM runs r JOIN experiments e ON e.id = r.experiment_id WHERE e." +
                               missing),
            "4");
  EXPECT_EQ(cluster.QueryValue("SELECT quarantined FROM devices"), "f");
  StopAgent(cluster, "agent-ncs2");
  ASSERT_NO_FATAL_FAILURE(cluster.StopBenchd());
}

// A stick that does not answer when the agent starts (here: its tool is
// not installed yet) is registered as unavailable, with the reason, instead
// of being left out unseen; the health checks probe it again, and once the
// probe passes it takes work.
TEST(GpuPlatformsE2ETest, ADeviceWhoseProbeFailsAtStartIsUnavailableUntilItAnswers) {
  Cluster cluster;
  ASSERT_NO_FATAL_FAILURE(cluster.StartBenchd("127.0.0.1:0", "health_check_interval: 300ms\n"));
  const std::string models = ModelDir(cluster, {"ResNet-50.xml"});
  const std::string tool = cluster.path("benchmark_app");
  cluster.StartAgent("agent-ncs2", Ncs2Device(models, tool));
  ASSERT_TRUE(WaitUntil([&] { return cluster.QueryValue("SELECT count(*) FROM devices WHERE unavailable_reason <> ''") == "1"; },
                        std::chrono::seconds(30)))
      << cluster.Logs();
  CommandResult devices = cluster.Benchctl({"devices"});
  EXPECT_NE(devices.out.find("unavailable  "), std::string::npos) << devices.out;
  EXPECT_NE(devices.out.find("unavailable: probe failed: "), std::string::npos) << devices.out;

  const std::string path = cluster.WriteFile("ncs2-late.yaml", R"(name: e2e-ncs2-late
platform: ncs2
model: {topology: ResNet-50}
matrix: {precision: [FP16], batch: [1]}
run: {iterations: 10, timeout: 1m}
)");
  ASSERT_EQ(cluster.Benchctl({"submit", path}).exit_code, 0);
  // Health checks keep failing while the tool is missing; no run is made.
  ASSERT_TRUE(WaitUntil([&] { return cluster.QueryValue("SELECT count(*) >= 2 FROM events WHERE kind = 'health_check_failed'") == "t"; },
                        std::chrono::seconds(30)))
      << cluster.Logs();
  EXPECT_EQ(cluster.QueryValue("SELECT count(*) FROM runs"), "0");

  std::filesystem::create_symlink(Cluster::BinPath("sim-benchmark_app"), tool);
  CommandResult watch = cluster.Benchctl({"watch", "1"});
  EXPECT_EQ(watch.exit_code, 0) << watch.out << watch.err << cluster.Logs();
  EXPECT_NE(watch.out.find("1 succeeded, 0 failed"), std::string::npos) << watch.out;
  EXPECT_EQ(cluster.QueryValue("SELECT count(*) FROM events WHERE kind = 'device_recovered'"), "1");
  EXPECT_EQ(cluster.QueryValue("SELECT unavailable_reason FROM devices"), "");
  StopAgent(cluster, "agent-ncs2");
  ASSERT_NO_FATAL_FAILURE(cluster.StopBenchd());
}

TEST(GpuPlatformsE2ETest, EdgeTpuSweepSelectsTheRuntimePerClock) {
  Cluster cluster;
  ASSERT_NO_FATAL_FAILURE(cluster.StartBenchd());
  const std::string models = ModelDir(cluster, {"MobileNetv1_edgetpu.tflite"});
  for (const char* variant : {"libedgetpu1-max", "libedgetpu1-std"}) {
    std::filesystem::create_directories(cluster.path(variant));
    cluster.WriteFile(std::string(variant) + "/libedgetpu.so.1", "simulated runtime\n");
  }
  cluster.StartAgent("agent-tpu",
                     "  - name: tpu-0\n"
                     "    driver: edgetpu\n"
                     "    platform: edgetpu\n"
                     "    options:\n"
                     "      model_dir: \"" + models + "\"\n"
                     "      benchmark_model: \"" + Cluster::BinPath("sim-benchmark_model") + "\"\n"
                     "      delegate_fast: \"" + cluster.path("libedgetpu1-max/libedgetpu.so.1") + "\"\n"
                     "      delegate_slow: \"" + cluster.path("libedgetpu1-std/libedgetpu.so.1") + "\"\n"
                     "      env.BENCHD_SIM_NOISE: \"0\"\n");
  ASSERT_NO_FATAL_FAILURE(cluster.SubmitAndWatch("tpu.yaml", R"(name: e2e-edgetpu
platform: edgetpu
model: {topology: MobileNetv1, dataset: imagenet}
matrix:
  precision: [INT8]
  clock: [fast, slow]
run: {warmup: 3, iterations: 30, timeout: 1m}
)", "2 succeeded, 0 failed"));
  for (const char* clock : {"fast", "slow"}) {
    SCOPED_TRACE(clock);
    const std::string match = "{\"clock\": \"" + std::string(clock) + "\"}";
    const std::optional<sim::QutibenchRow> row =
        sim::FindQutibench(std::string("EdgeTPU-") + clock, "MobileNetv1", "INT8", clock, 1, 100);
    ASSERT_TRUE(row.has_value());
    // TFLite times whole microseconds.
    EXPECT_NEAR(StoredNumber(cluster.RunValue("mean_us", match)), *row->lat_comp_ms * 1000, 0.51);
    EXPECT_EQ(cluster.RunValue("latency_count", match), "30");
    EXPECT_EQ(cluster.RunValue("environment->>'clock'", match), clock);
    EXPECT_EQ(cluster.RunValue("environment->>'libedgetpu_variant'", match),
              clock == std::string("fast") ? "max" : "std");
    EXPECT_EQ(cluster.RunMetric("warmup_runs", match), "3");
  }
  StopAgent(cluster, "agent-tpu");
  ASSERT_NO_FATAL_FAILURE(cluster.StopBenchd());
}

TEST(GpuPlatformsE2ETest, HangingToolTimesOutAndFailsAfterRetriesWithTheErrorStored) {
  Cluster cluster;
  ASSERT_NO_FATAL_FAILURE(cluster.StartBenchd());
  const std::string models = ModelDir(cluster, {"ResNet-50.xml"});
  cluster.StartAgent("agent-hang", Ncs2Device(models, Cluster::BinPath("sim-benchmark_app"),
                                              "      env.BENCHD_SIM_FAILURE: hang\n"));
  const std::string sweep = cluster.WriteFile("hang.yaml", R"(name: e2e-hang
platform: ncs2
model: {topology: ResNet-50}
matrix: {precision: [FP16]}
run: {iterations: 10, timeout: 2s, retries: 1}
)");
  CommandResult submit = cluster.Benchctl({"submit", sweep});
  ASSERT_EQ(submit.exit_code, 0) << submit.err;
  ASSERT_TRUE(WaitUntil([&] { return cluster.QueryValue("SELECT state FROM experiments") == "failed"; },
                        std::chrono::seconds(90)))
      << cluster.Logs();
  // One attempt and one retry, both infrastructure failures that timed out.
  EXPECT_EQ(cluster.QueryValue("SELECT attempts FROM experiments"), "2");
  EXPECT_EQ(cluster.QueryValue("SELECT count(*) FROM runs WHERE state = 'failed' AND failure_kind = 'infrastructure'"),
            "2");
  const std::string error = cluster.QueryValue("SELECT error FROM runs ORDER BY id DESC LIMIT 1");
  EXPECT_NE(error.find("timed out"), std::string::npos) << error;
  EXPECT_NE(error.find("benchmark_app"), std::string::npos) << error;
  EXPECT_NE(cluster.QueryValue("SELECT error FROM experiments").find("timed out"), std::string::npos);
  StopAgent(cluster, "agent-hang");
  ASSERT_NO_FATAL_FAILURE(cluster.StopBenchd());
}

}  // namespace
}  // namespace benchd::testing
