#include "agents/drivers/vitis_dpu_driver.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/unit/drivers_fpga/fake_process_runner.h"
#include "tests/unit/drivers_fpga/golden.h"
#include "tests/unit/drivers_fpga/temp_tree.h"

namespace benchd::agent {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::FakeProcessRunner;

RunRequest MakeRequest(const std::string& topology, int64_t threads, const std::string& precision = "INT8") {
  RunRequest request;
  request.run_id = 7;
  auto& values = *request.parameters.mutable_values();
  values["precision"].set_string_value(precision);
  values["topology"].set_string_value(topology);
  values["threads"].set_int_value(threads);
  return request;
}

std::string Report(double fps, double e2e, double dpu) {
  return "FPS=" + std::to_string(fps) + "\nE2E_MEAN=" + std::to_string(e2e) + "\nDPU_MEAN=" + std::to_string(dpu) +
         "\n";
}

class VitisDpuDriverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::FreshDir("vitis_dpu_driver");
    list_ = dir_ + "/images; rm -rf $HOME.list";  // options reach argv verbatim
    testing::WriteFile(list_, "001.jpg\n");
    work_dir_ = dir_ + "/run";
    std::filesystem::create_directories(work_dir_);
  }
  std::unique_ptr<Driver> MakeDriver(DriverOptions extra = {}) {
    DriverOptions options = {{"tool", "/usr/bin/test_performance_classification"},
                             {"image_list", list_},
                             {"env.XLNX_VART_FIRMWARE", "/run/media/dpu.xclbin"}};
    for (auto& [key, value] : extra) options[key] = value;
    absl::StatusOr<std::unique_ptr<Driver>> driver = VitisDpuDriver::Create(options, runner_);
    EXPECT_TRUE(driver.ok()) << driver.status();
    return driver.ok() ? *std::move(driver) : nullptr;
  }

  std::string dir_, list_, work_dir_;
  FakeProcessRunner runner_;
  std::atomic<bool> cancel_{false};
};

TEST_F(VitisDpuDriverTest, BuildsArgvWithOneElementPerValue) {
  std::unique_ptr<Driver> driver = MakeDriver({{"seconds", "10"}});
  RunRequest request = MakeRequest("ResNet-50", 4);
  request.work_dir = work_dir_;
  runner_.AddExit(0, "FPS=161.764\n");
  absl::StatusOr<RunResult> result = driver->Run(request, cancel_);
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(runner_.specs.size(), 1u);
  EXPECT_THAT(runner_.specs[0].argv,
              ElementsAre("/usr/bin/test_performance_classification", "resnet50", list_, "-t", "4", "-s", "10"));
  EXPECT_EQ(runner_.specs[0].extra_env.at("XLNX_VART_FIRMWARE"), "/run/media/dpu.xclbin");
  EXPECT_EQ(runner_.specs[0].working_dir, work_dir_);
  // Default budget: 10 s of measuring plus 120 s of model loading.
  EXPECT_LE(runner_.specs[0].timeout, std::chrono::seconds(130));
  EXPECT_GT(runner_.specs[0].timeout, std::chrono::seconds(125));
  EXPECT_EQ(runner_.cancels[0], &cancel_);
  EXPECT_EQ(testing::ReadFileOrEmpty(work_dir_ + "/test_performance-repeat-0.stdout"), "FPS=161.764\n");
}

TEST_F(VitisDpuDriverTest, BatchIsTheThreadCountAndMustAgreeWithThreads) {
  std::unique_ptr<Driver> driver = MakeDriver();
  RunRequest batch_only = MakeRequest("GoogLeNetv1", 1);
  batch_only.parameters.mutable_values()->erase("threads");
  (*batch_only.parameters.mutable_values())["batch"].set_int_value(3);
  runner_.AddExit(0, "FPS=296.555\n");
  ASSERT_TRUE(driver->Run(batch_only, cancel_).ok());
  EXPECT_EQ(runner_.specs[0].argv[1], "inception_v1");
  EXPECT_EQ(runner_.specs[0].argv[4], "3");

  RunRequest both = MakeRequest("GoogLeNetv1", 2);
  (*both.parameters.mutable_values())["batch"].set_int_value(3);
  absl::StatusOr<RunResult> disagree = driver->Run(both, cancel_);
  EXPECT_EQ(disagree.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(disagree.status().message()), HasSubstr("disagree"));
  EXPECT_EQ(runner_.specs.size(), 1u);
}

TEST_F(VitisDpuDriverTest, SummarisesReportedMeansWeightedByCallsWithoutSamples) {
  std::unique_ptr<Driver> driver = MakeDriver({{"seconds", "10"}});
  RunRequest request = MakeRequest("ResNet-50", 1);
  request.settings.set_repeats(2);
  runner_.AddExit(0, Report(50, 20000, 15000));   // 500 calls
  runner_.AddExit(0, Report(150, 10000, 5000));   // 1500 calls
  absl::StatusOr<RunResult> result = driver->Run(request, cancel_);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(runner_.specs.size(), 2u);
  EXPECT_TRUE(result->repeats.empty());  // the tool prints no per-inference latencies
  const benchd::v1::RunSummary& summary = result->summary;
  EXPECT_EQ(summary.latency_kind(), benchd::v1::LATENCY_KIND_SYSTEM);
  EXPECT_EQ(summary.latency().count(), 2000);
  EXPECT_DOUBLE_EQ(summary.latency().mean_us(), (500 * 20000.0 + 1500 * 10000.0) / 2000);
  EXPECT_EQ(summary.latency().p99_us(), 0);
  EXPECT_DOUBLE_EQ(summary.fps(), 100);
  EXPECT_EQ(summary.inferences(), 2000);
  std::map<std::string, double> extra;
  for (const auto& metric : summary.extra()) extra[metric.name()] = metric.value();
  EXPECT_DOUBLE_EQ(extra.at("dpu_mean_us"), (500 * 15000.0 + 1500 * 5000.0) / 2000);
  EXPECT_EQ(extra.at("threads"), 1);
  EXPECT_EQ(extra.at("seconds"), 10);
  EXPECT_EQ(result->environment.entries().at("report"), "fps+means");
  EXPECT_EQ(result->environment.entries().at("model"), "resnet50");
}

TEST_F(VitisDpuDriverTest, EachRepeatMarksItsSecondsBeforeItsExitAsTheWindow) {
  std::unique_ptr<Driver> driver = MakeDriver({{"seconds", "10"}});
  RunRequest request = MakeRequest("ResNet-50", 1);
  request.settings.set_repeats(2);
  runner_.AddExit(0, Report(50, 20000, 15000));
  runner_.TimeLast(20'000'000'000, std::chrono::seconds(12));
  runner_.AddExit(0, Report(50, 20000, 15000));
  runner_.TimeLast(35'000'000'000, std::chrono::seconds(12));
  absl::StatusOr<RunResult> result = driver->Run(request, cancel_);
  ASSERT_TRUE(result.ok()) << result.status();
  using power::Phase;
  const std::vector<std::pair<Phase, int64_t>> expected = {
      {Phase::kIdle, 8'000'000'000},  {Phase::kMeasure, 10'000'000'000}, {Phase::kCooldown, 20'000'000'000},
      {Phase::kIdle, 23'000'000'000}, {Phase::kMeasure, 25'000'000'000}, {Phase::kCooldown, 35'000'000'000}};
  ASSERT_EQ(result->phases.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(result->phases[i].phase, expected[i].first) << i;
    EXPECT_EQ(result->phases[i].t_ns, expected[i].second) << i;
  }
}

TEST_F(VitisDpuDriverTest, FpsOnlyReportLeavesLatencyEmpty) {
  std::unique_ptr<Driver> driver = MakeDriver();
  runner_.AddExit(0, testing::ReadGolden("vitis_dpu", "test_performance_4t_fps_only.log"));
  absl::StatusOr<RunResult> result = driver->Run(MakeRequest("ResNet-50", 4), cancel_);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_DOUBLE_EQ(result->summary.fps(), 161.764);
  EXPECT_EQ(result->summary.latency().count(), 0);
  EXPECT_EQ(result->summary.latency_kind(), benchd::v1::LATENCY_KIND_UNSPECIFIED);
  EXPECT_EQ(result->environment.entries().at("report"), "fps-only");
}

TEST_F(VitisDpuDriverTest, UnsupportedValuesFailBeforeLaunch) {
  std::unique_ptr<Driver> driver = MakeDriver();
  absl::StatusOr<RunResult> fp16 = driver->Run(MakeRequest("ResNet-50", 1, "FP16"), cancel_);
  EXPECT_EQ(fp16.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(fp16.status().message()), HasSubstr("INT8 only"));
  absl::StatusOr<RunResult> injected = driver->Run(MakeRequest("1; rm -rf /", 1), cancel_);
  EXPECT_EQ(injected.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(injected.status().message()), HasSubstr("no model for topology '1; rm -rf /'"));
  RunRequest pruned = MakeRequest("ResNet-50", 1);
  (*pruned.parameters.mutable_values())["pruning"].set_int_value(50);
  EXPECT_THAT(std::string(driver->Run(pruned, cancel_).status().message()), HasSubstr("model.ResNet-50@50"));
  EXPECT_EQ(driver->Run(MakeRequest("ResNet-50", 65), cancel_).status().code(), absl::StatusCode::kInvalidArgument);
  RunRequest seconds = MakeRequest("ResNet-50", 1);
  (*seconds.parameters.mutable_values())["seconds"].set_string_value("ten");
  EXPECT_EQ(driver->Run(seconds, cancel_).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(runner_.specs.empty());
}

TEST_F(VitisDpuDriverTest, ModelDirNamesTheXmodelAndAPrunedVariantNeedsItsOwnModel) {
  const std::string models = dir_ + "/models";
  testing::WriteFile(models + "/resnet50_pruned_0_5/resnet50_pruned_0_5.xmodel", "xmodel");
  std::unique_ptr<Driver> driver =
      MakeDriver({{"model_dir", models}, {"model.ResNet-50@50", "resnet50_pruned_0_5"}});
  RunRequest pruned = MakeRequest("ResNet-50", 1);
  (*pruned.parameters.mutable_values())["pruning"].set_int_value(50);
  runner_.AddExit(0, Report(37, 29870, 26907));
  ASSERT_TRUE(driver->Run(pruned, cancel_).ok());
  EXPECT_EQ(runner_.specs[0].argv[1], models + "/resnet50_pruned_0_5/resnet50_pruned_0_5.xmodel");

  absl::StatusOr<RunResult> missing = driver->Run(MakeRequest("ResNet-50", 1), cancel_);
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(missing.status().message()), HasSubstr("model 'resnet50' is not deployed"));
  EXPECT_EQ(runner_.specs.size(), 1u);
}

TEST_F(VitisDpuDriverTest, ToolFailuresAreInfrastructureWithStderrTail) {
  std::unique_ptr<Driver> driver = MakeDriver();
  common::ProcessOutcome abort;
  abort.term_signal = 6;
  abort.stderr_text = "F0110 18:53:33.3 8773 model_config.cpp:46] cannot find model resnet50\n";
  runner_.AddOutcome(abort);
  common::ProcessOutcome hung;
  hung.timed_out = true;
  hung.term_signal = 9;
  runner_.AddOutcome(hung);
  runner_.AddLaunchError(absl::NotFoundError("run 'test_performance_classification': not found on PATH"));
  runner_.AddExit(0, testing::ReadGolden("vitis_dpu", "garbage.log"));

  absl::StatusOr<RunResult> crashed = driver->Run(MakeRequest("ResNet-50", 1), cancel_);
  EXPECT_EQ(crashed.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(crashed.status().message()), HasSubstr("vitis-dpu run 7 repeat 0"));
  EXPECT_THAT(std::string(crashed.status().message()), HasSubstr("cannot find model resnet50"));
  EXPECT_EQ(driver->Run(MakeRequest("ResNet-50", 1), cancel_).status().code(), absl::StatusCode::kDeadlineExceeded);
  absl::StatusOr<RunResult> missing = driver->Run(MakeRequest("ResNet-50", 1), cancel_);
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(missing.status().message()), HasSubstr("not found on PATH"));
  absl::StatusOr<RunResult> garbage = driver->Run(MakeRequest("ResNet-50", 1), cancel_);
  EXPECT_EQ(garbage.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(garbage.status().message()), HasSubstr("line 3: unexpected line"));
}

TEST_F(VitisDpuDriverTest, ProbeReadsXdputilAndAddsItToRuns) {
  std::unique_ptr<Driver> driver = MakeDriver({{"xdputil", "/usr/bin/xdputil"}});
  runner_.AddExit(0, testing::ReadGolden("vitis_dpu", "xdputil_query_zcu102.json"));
  absl::StatusOr<benchd::v1::Environment> environment = driver->Probe();
  ASSERT_TRUE(environment.ok()) << environment.status();
  EXPECT_THAT(runner_.specs[0].argv, ElementsAre("/usr/bin/xdputil", "query"));
  EXPECT_EQ(environment->entries().at("dpu_arch"), "DPUCZDX8G_ISA1_B4096");
  EXPECT_EQ(environment->entries().at("dpu_cores"), "3");
  EXPECT_EQ(environment->entries().at("dpu_frequency_mhz"), "281");
  EXPECT_EQ(environment->entries().at("vitis_ai_version"), "2.5.0");

  runner_.AddExit(0, "FPS=1\n");
  absl::StatusOr<RunResult> result = driver->Run(MakeRequest("ResNet-50", 1), cancel_);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->environment.entries().at("dpu_arch"), "DPUCZDX8G_ISA1_B4096");

  runner_.AddExit(1, "", "F0124 xdputil_query.cpp:90] no DPU found\n");
  EXPECT_EQ(driver->Probe().status().code(), absl::StatusCode::kUnavailable);
  runner_.AddExit(0, "not json\n");
  EXPECT_EQ(driver->Probe().status().code(), absl::StatusCode::kUnavailable);
}

TEST(VitisDpuDriverCreateTest, ValidatesOptions) {
  FakeProcessRunner runner;
  const auto create = [&](DriverOptions options) { return VitisDpuDriver::Create(options, runner).status(); };
  EXPECT_EQ(create({}).code(), absl::StatusCode::kInvalidArgument);  // image_list is required
  EXPECT_THAT(std::string(create({}).message()), HasSubstr("'image_list' is required"));
  EXPECT_TRUE(create({{"image_list", "/l"}}).ok());
  EXPECT_EQ(create({{"image_list", "/l"}, {"seconds", "0"}}).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(create({{"image_list", "/l"}, {"model.MLP", "../x"}}).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(create({{"image_list", "/l"}, {"env.1BAD", "x"}}).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(create({{"image_list", "/l"}, {"threads", "4"}}).message()),
              HasSubstr("'threads' is unknown"));
}

TEST(VitisDpuDriverProbeTest, MissingImageListMakesTheDeviceUnusable) {
  FakeProcessRunner runner;
  absl::StatusOr<std::unique_ptr<Driver>> driver =
      VitisDpuDriver::Create({{"image_list", "/nonexistent/images.list"}}, runner);
  ASSERT_TRUE(driver.ok());
  absl::StatusOr<benchd::v1::Environment> environment = (*driver)->Probe();
  EXPECT_EQ(environment.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(environment.status().message()), HasSubstr("is not a file"));
  EXPECT_TRUE(runner.specs.empty());
}

}  // namespace
}  // namespace benchd::agent
