// The simulators with BENCHD_SIM_POWER_DIR set: a run takes the real time its
// report claims while the rails, read as the agent reads them, go from idle
// to full power and back to base; and sim-power-rails, which creates the
// rails beforehand. Not timing tests: real time is only checked to be at
// least what the report claims, and the files are polled while the
// simulator runs, waiting on the run's end rather than sleeping.

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <future>
#include <set>
#include <string>
#include <vector>

#include "agents/parsers/benchmark_app_parser.h"
#include "agents/parsers/benchmark_model_parser.h"
#include "agents/parsers/bismo_parser.h"
#include "agents/parsers/finn_metrics_parser.h"
#include "agents/parsers/trtexec_parser.h"
#include "agents/power/ina3221_source.h"
#include "agents/power/sysfs_attribute.h"
#include "agents/sim/common/power_figures.h"
#include "agents/sim/common/power_playback.h"
#include "agents/sim/common/reference_data.h"
#include "common/process_runner.h"
#include "gtest/gtest.h"
#include "tests/unit/drivers_fpga/temp_tree.h"

namespace benchd::sim {
namespace {

using std::chrono::milliseconds;
using std::chrono::nanoseconds;

constexpr int kLoadMs = 50;

class SimPowerRunTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* file :
         {"MLP-p12.5.onnx", "MLP.xml", "MobileNetv1_edgetpu.tflite", "libedgetpu1-max/libedgetpu.so.1"}) {
      agent::testing::WriteFile(dir_ + "/" + file, "model\n");
    }
  }

  common::ProcessSpec Spec(const std::string& tool, std::vector<std::string> args, bool power = true) {
    common::ProcessSpec spec;
    spec.argv = {std::string(BENCHD_SIM_BIN_DIR) + "/" + tool};
    spec.argv.insert(spec.argv.end(), args.begin(), args.end());
    spec.extra_env = {{"BENCHD_SIM_NOISE", "0"}, {"BENCHD_SIM_STATE_DIR", dir_ + "/state"}};
    if (power) {
      spec.extra_env["BENCHD_SIM_POWER_DIR"] = rails_;
      spec.extra_env["BENCHD_SIM_LOAD_MS"] = std::to_string(kLoadMs);
    }
    spec.timeout = std::chrono::seconds(30);
    return spec;
  }

  common::ProcessOutcome Run(const common::ProcessSpec& spec) {
    common::BoostProcessRunner runner;
    absl::StatusOr<common::ProcessOutcome> outcome = runner.Run(spec);
    EXPECT_TRUE(outcome.ok()) << outcome.status();
    return outcome.ok() ? *outcome : common::ProcessOutcome();
  }

  // Runs `spec` on another thread and calls `poll` until it has ended (the
  // spec's timeout bounds the wait).
  template <typename Poll>
  common::ProcessOutcome RunWhilePolling(const common::ProcessSpec& spec, const Poll& poll) {
    std::future<common::ProcessOutcome> outcome = std::async(std::launch::async, [&] { return Run(spec); });
    while (outcome.wait_for(milliseconds(1)) != std::future_status::ready) poll();
    return outcome.get();
  }

  int64_t ReadValue(const std::string& path) {
    auto value = agent::power::SysfsAttribute::Open(path);
    return value.ok() ? value->ReadInt().value_or(-1) : -1;
  }

  const std::string dir_ = agent::testing::FreshDir("sim-power-run");
  const std::string rails_ = dir_ + "/rails";
};

TEST_F(SimPowerRunTest, TrtexecTakesItsWalltimeAtFullPowerAndEndsAtBase) {
  ASSERT_EQ(Run(Spec("sim-nvpmodel", {"-m", "0"})).exit_code, 0);  // MAXN
  const QutibenchRow row = *FindQutibench("TX2-maxn", "MLP", "FP16", "maxn", 1, 12.5);
  const PowerFigures figures = *PowerFiguresOf(row);
  // The rails exist before the run, as the agent discovers them at start-up.
  common::ProcessOutcome rails =
      Run(Spec("sim-power-rails", {"--dir", rails_, "--layout", "ina3221", "--platform", "tx2"}));
  ASSERT_EQ(rails.exit_code, 0) << rails.stderr_text;
  auto source = agent::power::Ina3221Source::Create({rails_, {"VDD_IN"}});
  ASSERT_TRUE(source.ok()) << source.status();

  std::set<int64_t> seen_mw;
  std::vector<agent::power::RailValue> values;
  common::ProcessOutcome out = RunWhilePolling(Spec("sim-trtexec", {"--onnx=" + dir_ + "/MLP-p12.5.onnx", "--fp16",
                                                                    "--duration=0", "--iterations=20", "--warmUp=200"}),
                                               [&] {
                                                 if ((*source)->Poll(0, values).ok() && !values.empty())
                                                   seen_mw.insert(std::llround(values[0].watts * 1e3));
                                               });
  ASSERT_EQ(out.exit_code, 0) << out.stdout_text << out.stderr_text;
  absl::StatusOr<agent::TrtexecOutput> parsed = agent::ParseTrtexecOutput(out.stdout_text);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_NEAR(*parsed->request()->mean_us, *row.lat_sys_ms * 1000, 1e-3);  // figures unchanged

  // Load, then at least the warm-up asked for, then the printed walltime.
  const nanoseconds claimed = milliseconds(kLoadMs + 200) + FromMs(*parsed->walltime_s * 1000);
  EXPECT_GE(out.wall_time, claimed - milliseconds(1));
  EXPECT_LT(out.wall_time, claimed + std::chrono::seconds(10));
  EXPECT_TRUE(seen_mw.contains(std::llround(figures.full_w * 1e3))) << "full power never read";
  for (int64_t mw : seen_mw) {
    EXPECT_TRUE(mw == 1800 || mw == 5700 || mw == std::llround(figures.full_w * 1e3)) << mw;
  }
  ASSERT_TRUE((*source)->Poll(0, values).ok());
  EXPECT_EQ(std::llround(values.at(0).watts * 1e3), 1800);  // base after exit
}

TEST_F(SimPowerRunTest, BenchmarkModelReplaysTheEdgeTpuTraceOnHwmon) {
  const QutibenchRow row = *FindQutibench("EdgeTPU-fast", "MobileNetv1", "INT8", "fast", 1, 100);
  const EdgeTpuTrace trace = *EdgeTpuPower("fast", "mob");
  std::set<int64_t> allowed_uw = {std::llround(trace.idle_w * 1e6)};
  for (double w : trace.watts) allowed_uw.insert(std::llround(w * 1e6));
  const std::string value_path = rails_ + "/hwmon0/power1_input";

  std::set<int64_t> seen_uw;
  common::ProcessOutcome out = RunWhilePolling(
      Spec("sim-benchmark_model", {"--graph=" + dir_ + "/MobileNetv1_edgetpu.tflite",
                                   "--external_delegate_path=" + dir_ + "/libedgetpu1-max/libedgetpu.so.1",
                                   "--num_runs=40", "--warmup_runs=3", "--min_secs=0", "--warmup_min_secs=0"}),
      [&] {
        if (const int64_t uw = ReadValue(value_path); uw >= 0) seen_uw.insert(uw);
      });
  ASSERT_EQ(out.exit_code, 0) << out.stderr_text;
  absl::StatusOr<agent::BenchmarkModelOutput> parsed = agent::ParseBenchmarkModelOutput(out.stderr_text);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  const double runs_ms =
      (*parsed->warmup.count * *parsed->warmup.mean_us + *parsed->inference.count * *parsed->inference.mean_us) / 1000;
  EXPECT_GE(out.wall_time, milliseconds(kLoadMs) + FromMs(runs_ms) - milliseconds(1));

  EXPECT_EQ(agent::power::ReadTrimmedFile(rails_ + "/hwmon0/name").value_or(""), "edgetpu");
  EXPECT_EQ(ReadValue(value_path), std::llround(*row.base_power_w * 1e6));  // base after exit
  seen_uw.erase(std::llround(*row.base_power_w * 1e6));
  size_t trace_values = 0;
  for (int64_t uw : seen_uw) {
    EXPECT_TRUE(allowed_uw.contains(uw)) << uw;
    trace_values += uw != std::llround(trace.idle_w * 1e6) ? 1 : 0;
  }
  EXPECT_GT(trace_values, 0u) << "no trace value read while running";
}

TEST_F(SimPowerRunTest, BenchmarkAppHoldsFullPowerForItsPrintedDuration) {
  const QutibenchRow row = *FindQutibench("NCS2", "MLP", "FP16", "", 1, 100);
  const std::string value_path = rails_ + "/hwmon0/power1_input";
  std::set<int64_t> seen_uw;
  common::ProcessOutcome out = RunWhilePolling(
      Spec("sim-benchmark_app", {"-m", dir_ + "/MLP.xml", "-d", "MYRIAD", "-api", "sync", "-niter", "50"}), [&] {
        if (const int64_t uw = ReadValue(value_path); uw >= 0) seen_uw.insert(uw);
      });
  ASSERT_EQ(out.exit_code, 0) << out.stdout_text;
  absl::StatusOr<agent::BenchmarkAppOutput> parsed = agent::ParseBenchmarkAppOutput(out.stdout_text);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_GE(out.wall_time, milliseconds(kLoadMs) + FromMs(parsed->duration_us / 1000) - milliseconds(1));
  EXPECT_TRUE(seen_uw.contains(std::llround(*row.full_power_w * 1e6))) << "full power never read";
  EXPECT_EQ(agent::power::ReadTrimmedFile(rails_ + "/hwmon0/name").value_or(""), "ncs2");
  EXPECT_EQ(ReadValue(value_path), std::llround(*row.base_power_w * 1e6));
}

// The FPGA simulators draw constant levels on an hwmon chip named after the
// platform: idle, then full for the printed timed part, then base.
class FpgaSimPowerRunTest : public SimPowerRunTest {
 protected:
  // Runs `spec`, reading the value file meanwhile; returns the outcome and
  // checks the chip name, full power seen while it ran and base power after.
  common::ProcessOutcome RunAtLevels(const common::ProcessSpec& spec, const std::string& chip,
                                     const PowerFigures& figures) {
    const std::string value_path = rails_ + "/hwmon0/power1_input";
    std::set<int64_t> seen_uw;
    common::ProcessOutcome out = RunWhilePolling(spec, [&] {
      if (const int64_t uw = ReadValue(value_path); uw >= 0) seen_uw.insert(uw);
    });
    EXPECT_EQ(agent::power::ReadTrimmedFile(rails_ + "/hwmon0/name").value_or(""), chip);
    EXPECT_TRUE(seen_uw.contains(std::llround(figures.full_w * 1e6))) << chip << ": full power never read";
    for (int64_t uw : seen_uw) {
      EXPECT_TRUE(uw == std::llround(figures.base_w * 1e6) || uw == std::llround(figures.idle_w * 1e6) ||
                  uw == std::llround(figures.full_w * 1e6))
          << chip << ": " << uw;
    }
    EXPECT_EQ(ReadValue(value_path), std::llround(figures.base_w * 1e6)) << chip << ": base after exit";
    return out;
  }
};

TEST_F(FpgaSimPowerRunTest, FinnDriverHoldsFullPowerForItsPrintedRuntime) {
  // CNV at INT4, batch 128: QuTiBench's lat-comp is 190 ms, long enough to read.
  const QutibenchRow row = *FindQutibench("ZCU104-FINN", "CNV", "INT4", "", 128, 100);
  const std::string run_dir = dir_ + "/finn-run";
  agent::testing::WriteFile(dir_ + "/bitfile/finn-accel.bit", "topology=CNV precision=INT4 pruning=100\n");
  agent::testing::WriteFile(dir_ + "/driver/driver.py", "# generated by FINN\n");
  std::filesystem::create_directories(run_dir);
  common::ProcessSpec spec =
      Spec("sim-finn-driver", {dir_ + "/driver/driver.py", "--exec_mode", "throughput_test", "--platform", "zynq-iodma",
                               "--batchsize", "128", "--bitfile", dir_ + "/bitfile/finn-accel.bit"});
  spec.working_dir = run_dir;
  common::ProcessOutcome out = RunAtLevels(spec, "zcu104-finn", *PowerFiguresOf(row));
  ASSERT_EQ(out.exit_code, 0) << out.stderr_text;
  absl::StatusOr<agent::FinnMetrics> metrics =
      agent::ParseFinnMetrics(agent::testing::ReadFileOrEmpty(run_dir + "/nw_metrics.txt"));
  ASSERT_TRUE(metrics.ok()) << metrics.status();
  EXPECT_NEAR(*metrics->runtime.mean_us, *row.lat_comp_ms * 1000, 1e-6);  // figures unchanged
  EXPECT_GE(out.wall_time, milliseconds(kLoadMs) + FromMs(*metrics->runtime.mean_us / 1000) - milliseconds(1));
}

TEST_F(FpgaSimPowerRunTest, BismoBenchHoldsFullPowerForItsMultipliesCycles) {
  // One MLP inference at INT2, pruning 100, batch 128: 80 ms of lat-comp.
  const QutibenchRow row = *FindQutibench("ZCU104-Bismo", "MLP", "INT2", "", 128, 100);
  agent::testing::WriteFile(dir_ + "/mlp.in",
                            "2048 784 128 2 2\n2048 2048 128 2 2\n2048 2048 128 2 2\n10 2048 128 2 2\n0\n");
  common::ProcessSpec spec = Spec("sim-bismo-bench", {"b"});
  spec.stdin_path = dir_ + "/mlp.in";
  common::ProcessOutcome out = RunAtLevels(spec, "zcu104-bismo", *PowerFiguresOf(row));
  ASSERT_EQ(out.exit_code, 0) << out.stderr_text;
  absl::StatusOr<agent::BismoReport> report = agent::ParseBismoOutput(out.stdout_text);
  ASSERT_TRUE(report.ok()) << report.status();
  ASSERT_EQ(report->matmuls.size(), 4u);
  double compute_us = 0;
  for (const agent::BismoMatMul& matmul : report->matmuls) compute_us += matmul.compute_us;
  EXPECT_NEAR(compute_us, *row.lat_comp_ms * 1000, 1e-3 * compute_us);
  EXPECT_GE(out.wall_time, milliseconds(kLoadMs) + FromMs(compute_us / 1000) - milliseconds(1));
}

TEST_F(FpgaSimPowerRunTest, TestPerformanceHoldsFullPowerForItsSecondsOnTheBoardsChip) {
  const QutibenchRow row = *FindQutibench("ZCU102-DPU", "ResNet-50", "INT8", "", 1, 100);
  agent::testing::WriteFile(dir_ + "/images.list", "001.JPEG\n");
  common::ProcessSpec spec = Spec("sim-test_performance", {"resnet50", dir_ + "/images.list", "-t", "1", "-s", "1"});
  spec.extra_env["BENCHD_SIM_BOARD"] = "ZCU102";
  common::ProcessOutcome out = RunAtLevels(spec, "zcu102-dpu", *PowerFiguresOf(row));
  ASSERT_EQ(out.exit_code, 0) << out.stderr_text;
  EXPECT_EQ(out.stdout_text.rfind("FPS=", 0), 0u) << out.stdout_text;
  EXPECT_GE(out.wall_time, milliseconds(kLoadMs) + std::chrono::seconds(1) - milliseconds(1));
}

TEST_F(SimPowerRunTest, WithoutThePowerDirectoryARunStaysInstant) {
  // Five simulated seconds, far from done in real time.
  common::ProcessOutcome out =
      Run(Spec("sim-trtexec", {"--onnx=" + dir_ + "/MLP-p12.5.onnx", "--warmUp=2000", "--duration=3"}, false));
  ASSERT_EQ(out.exit_code, 0) << out.stdout_text;
  EXPECT_LT(out.wall_time, std::chrono::seconds(2));
  // Thirty simulated seconds of a DPU board.
  agent::testing::WriteFile(dir_ + "/images.list", "001.JPEG\n");
  out = Run(Spec("sim-test_performance", {"resnet50", dir_ + "/images.list", "-s", "30"}, false));
  ASSERT_EQ(out.exit_code, 0) << out.stderr_text;
  EXPECT_LT(out.wall_time, std::chrono::seconds(2));
  EXPECT_FALSE(std::filesystem::exists(rails_));
}

TEST_F(SimPowerRunTest, PowerRailsToolCreatesTheTreeAtBasePower) {
  common::ProcessOutcome out =
      Run(Spec("sim-power-rails", {"--dir", rails_, "--layout", "hwmon", "--platform", "ncs2"}, false));
  ASSERT_EQ(out.exit_code, 0) << out.stderr_text;
  EXPECT_EQ(out.stdout_text, rails_ + "/hwmon0/power1_input\n");
  EXPECT_EQ(agent::power::ReadTrimmedFile(rails_ + "/hwmon0/name").value_or(""), "ncs2");
  EXPECT_EQ(agent::power::ReadTrimmedFile(rails_ + "/hwmon0/power1_label").value_or(""), "board");
  EXPECT_EQ(ReadValue(rails_ + "/hwmon0/power1_input"), 530000);

  out = Run(Spec("sim-power-rails",
                 {"--dir", rails_, "--layout", "hwmon", "--platform", "lab-meter", "--watts", "2.25"}, false));
  ASSERT_EQ(out.exit_code, 0) << out.stderr_text;
  EXPECT_EQ(agent::power::ReadTrimmedFile(rails_ + "/hwmon0/name").value_or(""), "lab-meter");
  EXPECT_EQ(ReadValue(rails_ + "/hwmon0/power1_input"), 2250000);
}

TEST_F(SimPowerRunTest, PowerRailsToolRejectsBadArgumentsWithStatus2) {
  const std::vector<std::vector<std::string>> bad = {
      {"--layout", "hwmon", "--platform", "ncs2"},                                  // no --dir
      {"--dir", rails_, "--layout", "sysfs", "--platform", "ncs2"},                 // unknown layout
      {"--dir", rails_, "--layout", "hwmon", "--platform", "host-cpu"},             // no published figure
      {"--dir", rails_, "--layout", "hwmon", "--platform", "x", "--watts", "-1"},   // negative power
      {"--dir", rails_, "--layout", "hwmon", "--platform", "ncs2", "--rate", "5"},  // unknown flag
      {"--dir", rails_, "--layout", "hwmon", "--platform"},                         // missing value
  };
  for (const std::vector<std::string>& args : bad) {
    common::ProcessOutcome out = Run(Spec("sim-power-rails", args, false));
    EXPECT_EQ(out.exit_code, 2) << ::testing::PrintToString(args);
    EXPECT_NE(out.stderr_text.find("sim-power-rails: "), std::string::npos) << out.stderr_text;
  }
  EXPECT_FALSE(std::filesystem::exists(rails_));
}

}  // namespace
}  // namespace benchd::sim
