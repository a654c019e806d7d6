// The simulators' output read by the drivers' parsers: every format variant
// a simulator prints must parse, and with zero noise give the published
// figure. Runs the built simulator binaries briefly; no device, network or
// database.

#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "agents/parsers/benchmark_app_parser.h"
#include "agents/parsers/benchmark_model_parser.h"
#include "agents/parsers/nvpmodel_parser.h"
#include "agents/parsers/trtexec_parser.h"
#include "agents/sim/common/reference_data.h"
#include "common/process_runner.h"
#include "gtest/gtest.h"

namespace benchd::sim {
namespace {

class SimulatorsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + "/benchd-simulators-test-" + std::to_string(getpid());
    std::filesystem::create_directories(dir_);
    for (const char* file : {"MLP-p12.5.onnx", "ResNet-50.xml", "MobileNetv1_edgetpu.tflite"}) {
      std::ofstream(dir_ + "/" + file) << "model\n";
    }
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  common::ProcessOutcome Run(const std::string& tool, std::vector<std::string> args,
                             std::map<std::string, std::string> env = {}) {
    common::ProcessSpec spec;
    spec.argv = {std::string(BENCHD_SIM_BIN_DIR) + "/" + tool};
    spec.argv.insert(spec.argv.end(), args.begin(), args.end());
    spec.extra_env = {{"BENCHD_SIM_NOISE", "0"}, {"BENCHD_SIM_STATE_DIR", dir_ + "/state"}};
    spec.extra_env.insert(env.begin(), env.end());
    spec.timeout = std::chrono::seconds(30);
    common::BoostProcessRunner runner;
    absl::StatusOr<common::ProcessOutcome> outcome = runner.Run(spec);
    EXPECT_TRUE(outcome.ok()) << outcome.status();
    return outcome.ok() ? *outcome : common::ProcessOutcome();
  }

  std::string dir_;
};

TEST_F(SimulatorsTest, NvpmodelKeepsTheModeAndCanIgnoreASet) {
  EXPECT_EQ(agent::ParseNvpmodelQuery(Run("sim-nvpmodel", {"-q"}).stdout_text)->id, 3);
  EXPECT_EQ(Run("sim-nvpmodel", {"-m", "1"}).exit_code, 0);
  absl::StatusOr<agent::NvpmodelMode> mode = agent::ParseNvpmodelQuery(Run("sim-nvpmodel", {"-q"}).stdout_text);
  EXPECT_EQ(mode->name, "MAXQ");
  EXPECT_EQ(Run("sim-nvpmodel", {"-m", "0"}, {{"BENCHD_SIM_NVPMODEL_IGNORE_SET", "1"}}).exit_code, 0);
  EXPECT_EQ(agent::ParseNvpmodelQuery(Run("sim-nvpmodel", {"-q"}).stdout_text)->id, 1);
  EXPECT_EQ(Run("sim-nvpmodel", {"-m", "9"}).exit_code, 1);
}

TEST_F(SimulatorsTest, TrtexecBothVersionsParseToThePublishedFigures) {
  ASSERT_EQ(Run("sim-nvpmodel", {"-m", "0"}).exit_code, 0);
  const QutibenchRow row = *FindQutibench("TX2-maxn", "MLP", "FP16", "maxn", 4, 12.5);
  for (const char* version : {"8.2.1", "7.1.3"}) {
    SCOPED_TRACE(version);
    const std::string times = dir_ + "/times.json";
    common::ProcessOutcome out =
        Run("sim-trtexec",
            {"--onnx=" + dir_ + "/MLP-p12.5.onnx", "--fp16", "--shapes=input:4x784", "--warmUp=20", "--duration=0",
             "--iterations=30", "--exportTimes=" + times},
            {{"BENCHD_SIM_TRT_VERSION", version}});
    ASSERT_EQ(out.exit_code, 0) << out.stdout_text;
    absl::StatusOr<agent::TrtexecOutput> parsed = agent::ParseTrtexecOutput(out.stdout_text);
    ASSERT_TRUE(parsed.ok()) << parsed.status() << "\n" << out.stdout_text;
    EXPECT_EQ(parsed->format, version[0] == '8' ? agent::TrtexecFormat::kSummary8 : agent::TrtexecFormat::kLegacy7);
    EXPECT_EQ(*parsed->timed_queries, 30);
    EXPECT_NEAR(*parsed->request()->mean_us, *row.lat_sys_ms * 1000, 1e-3);
    EXPECT_NEAR(*parsed->compute()->mean_us, *row.lat_comp_ms * 1000, 1e-3);
    std::ifstream in(times);
    std::stringstream json;
    json << in.rdbuf();
    absl::StatusOr<std::vector<agent::TrtexecQuery>> trace = agent::ParseTrtexecTimes(json.str());
    ASSERT_TRUE(trace.ok()) << trace.status();
    EXPECT_GT(trace->size(), 30u);  // warm-up queries included
  }
}

TEST_F(SimulatorsTest, TrtexecFailureModes) {
  const std::vector<std::string> args = {"--onnx=" + dir_ + "/MLP-p12.5.onnx", "--iterations=10", "--duration=0"};
  common::ProcessOutcome truncated = Run("sim-trtexec", args, {{"BENCHD_SIM_FAILURE", "truncate"}});
  EXPECT_EQ(truncated.exit_code, 0);
  EXPECT_EQ(agent::ParseTrtexecOutput(truncated.stdout_text).status().code(), absl::StatusCode::kDataLoss);
  common::ProcessOutcome garbage = Run("sim-trtexec", args, {{"BENCHD_SIM_FAILURE", "garbage"}});
  EXPECT_EQ(agent::ParseTrtexecOutput(garbage.stdout_text).status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(Run("sim-trtexec", args, {{"BENCHD_SIM_FAILURE", "exit:7"}}).exit_code, 7);
  EXPECT_EQ(Run("sim-trtexec", args, {{"BENCHD_SIM_FAILURE", "crash"}}).term_signal, SIGSEGV);
  EXPECT_EQ(Run("sim-trtexec", {"--onnx=" + dir_ + "/CNV.onnx"}).exit_code, 1);  // no such file
}

TEST_F(SimulatorsTest, BenchmarkAppBothVersionsParse) {
  const QutibenchRow row = *FindQutibench("NCS2", "ResNet-50", "FP16", "", 2, 100);
  for (const char* version : {"2022.3.0", "2021.4.2"}) {
    SCOPED_TRACE(version);
    common::ProcessOutcome out =
        Run("sim-benchmark_app", {"-m", dir_ + "/ResNet-50.xml", "-d", "MYRIAD", "-b", "2", "-api", "sync", "-niter", "25"},
            {{"BENCHD_SIM_OPENVINO_VERSION", version}});
    ASSERT_EQ(out.exit_code, 0) << out.stdout_text;
    absl::StatusOr<agent::BenchmarkAppOutput> parsed = agent::ParseBenchmarkAppOutput(out.stdout_text);
    ASSERT_TRUE(parsed.ok()) << parsed.status() << "\n" << out.stdout_text;
    EXPECT_EQ(parsed->count, 25);
    EXPECT_EQ(parsed->api, "sync");
    EXPECT_NEAR(*parsed->latency.median_us, *row.lat_sys_ms * 1000, 5.01);
    EXPECT_NEAR(parsed->throughput_fps, 2000 / *row.lat_sys_ms, 0.0051);
  }
  common::ProcessOutcome unplugged = Run("sim-benchmark_app", {"-m", dir_ + "/ResNet-50.xml", "-d", "MYRIAD"},
                                         {{"BENCHD_SIM_OPENVINO_DEVICES", "CPU"}});
  EXPECT_NE(unplugged.exit_code, 0);
  common::ProcessOutcome async = Run("sim-benchmark_app", {"-m", dir_ + "/ResNet-50.xml", "-d", "MYRIAD", "-api",
                                                          "async", "-nireq", "4", "-niter", "10"});
  absl::StatusOr<agent::BenchmarkAppOutput> parsed = agent::ParseBenchmarkAppOutput(async.stdout_text);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->count, 12);  // aligned up to a multiple of nireq
  EXPECT_EQ(parsed->latency.scope, agent::LatencyScope::kQueued);
}

TEST_F(SimulatorsTest, BenchmarkModelBothFormatsParse) {
  const QutibenchRow fast = *FindQutibench("EdgeTPU-fast", "MobileNetv1", "INT8", "fast", 1, 100);
  for (const char* format : {"current", "legacy"}) {
    SCOPED_TRACE(format);
    common::ProcessOutcome out = Run("sim-benchmark_model",
                                     {"--graph=" + dir_ + "/MobileNetv1_edgetpu.tflite",
                                      "--external_delegate_path=/usr/lib/libedgetpu1-max/libedgetpu.so.1",
                                      "--num_runs=40", "--warmup_runs=3", "--min_secs=0", "--warmup_min_secs=0"},
                                     {{"BENCHD_SIM_TFLITE_FORMAT", format}});
    EXPECT_NE(out.exit_code, 0);  // the delegate path does not exist here
    std::filesystem::create_directories(dir_ + "/libedgetpu1-max");
    std::ofstream(dir_ + "/libedgetpu1-max/libedgetpu.so.1") << "runtime\n";
    out = Run("sim-benchmark_model",
              {"--graph=" + dir_ + "/MobileNetv1_edgetpu.tflite",
               "--external_delegate_path=" + dir_ + "/libedgetpu1-max/libedgetpu.so.1", "--num_runs=40",
               "--warmup_runs=3", "--min_secs=0", "--warmup_min_secs=0"},
              {{"BENCHD_SIM_TFLITE_FORMAT", format}});
    ASSERT_EQ(out.exit_code, 0) << out.stderr_text;
    absl::StatusOr<agent::BenchmarkModelOutput> parsed = agent::ParseBenchmarkModelOutput(out.stderr_text);
    ASSERT_TRUE(parsed.ok()) << parsed.status() << "\n" << out.stderr_text;
    EXPECT_EQ(*parsed->inference.count, 40);
    EXPECT_EQ(*parsed->warmup.count, 3);
    EXPECT_NEAR(*parsed->inference.mean_us, *fast.lat_comp_ms * 1000, 0.51);
  }
}

}  // namespace
}  // namespace benchd::sim
