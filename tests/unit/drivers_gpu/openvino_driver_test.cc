#include "agents/drivers/openvino_driver.h"

#include "agents/drivers/driver_registry.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/unit/agents/fake_process_runner.h"
#include "tests/unit/drivers_gpu/golden.h"
#include "tests/unit/drivers_gpu/model_dir.h"

namespace benchd::agent {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::FakeProcessRunner;
using testing::ModelDir;
using testing::ReadGolden;

RunRequest MakeRequest(const std::string& precision = "FP16", int64_t batch = 1,
                       const std::string& topology = "ResNet-50") {
  RunRequest request;
  request.run_id = 9;
  auto& values = *request.parameters.mutable_values();
  values["precision"].set_string_value(precision);
  values["batch"].set_int_value(batch);
  values["topology"].set_string_value(topology);
  request.settings.set_iterations(200);
  return request;
}

std::map<std::string, double> Extras(const benchd::v1::RunSummary& summary) {
  std::map<std::string, double> extra;
  for (const auto& metric : summary.extra()) extra[metric.name()] = metric.value();
  return extra;
}

class OpenVinoDriverTest : public ::testing::Test {
 protected:
  std::unique_ptr<Driver> MakeDriver(DriverOptions extra = {}) {
    DriverOptions options = {{"model_dir", models_.path()}};
    for (const auto& [key, value] : extra) options[key] = value;
    absl::StatusOr<std::unique_ptr<Driver>> driver = OpenVinoDriver::Create(options, runner_);
    EXPECT_TRUE(driver.ok()) << driver.status();
    return driver.ok() ? *std::move(driver) : nullptr;
  }

  ModelDir models_{"ResNet-50.xml", "x; rm -rf ~ &&.xml"};
  FakeProcessRunner runner_;
  std::atomic<bool> cancel_{false};
};

TEST_F(OpenVinoDriverTest, RegisteredAndRejectsBadOptions) {
  EXPECT_TRUE(CreateDriver("openvino", {{"model_dir", "/m"}}, runner_).ok());
  EXPECT_FALSE(OpenVinoDriver::Create({{"model_dir", "/m"}, {"api", "maybe"}}, runner_).ok());
  EXPECT_FALSE(OpenVinoDriver::Create({{"model_dir", "/m"}, {"nireq", "-1"}}, runner_).ok());
  EXPECT_FALSE(OpenVinoDriver::Create({{"model_dir", "/m"}, {"threads", "2"}}, runner_).ok());
}

TEST_F(OpenVinoDriverTest, RunsBenchmarkAppSyncWithExactArgv) {
  std::unique_ptr<Driver> driver = MakeDriver({{"env.BENCHD_SIM_NOISE", "0"}});
  runner_.AddExit(0, ReadGolden("benchmark_app/ov2022_1_tab_sync_percentile.log"));
  absl::StatusOr<RunResult> result = driver->Run(MakeRequest("fp16", 2), cancel_);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_THAT(runner_.specs[0].argv, ElementsAre("benchmark_app", "-m", models_.Of("ResNet-50.xml"), "-d", "MYRIAD", "-b",
                                                 "2", "-api", "sync", "-niter", "200"));
  EXPECT_EQ(runner_.specs[0].extra_env.at("BENCHD_SIM_NOISE"), "0");
  // Summary statistics only: no invented per-inference samples.
  EXPECT_TRUE(result->repeats.empty());
  const benchd::v1::RunSummary& summary = result->summary;
  EXPECT_EQ(summary.latency_kind(), benchd::v1::LATENCY_KIND_SYSTEM);
  EXPECT_EQ(summary.latency().count(), 200);
  EXPECT_DOUBLE_EQ(summary.latency().mean_us(), 3160);
  EXPECT_DOUBLE_EQ(summary.latency().p90_us(), 3350);
  EXPECT_DOUBLE_EQ(summary.latency().min_us(), 3020);
  // Asked for the 90th percentile, the tool prints no other and no spread:
  // those stay absent (stored NULL, shown "-"), not 0.
  EXPECT_FALSE(summary.latency().has_p95_us());
  EXPECT_FALSE(summary.latency().has_p99_us());
  EXPECT_FALSE(summary.latency().has_std_us());
  EXPECT_FALSE(summary.latency().has_ci95_low_us());
  EXPECT_FALSE(summary.has_gops());
  EXPECT_DOUBLE_EQ(summary.fps(), 315.97);
  EXPECT_EQ(summary.inferences(), 400);
  EXPECT_DOUBLE_EQ(Extras(summary).at("first_inference_us"), 4120);
  const auto& env = result->environment.entries();
  EXPECT_EQ(env.at("api"), "sync");
  EXPECT_EQ(env.at("latency_scope"), "request");
  EXPECT_EQ(env.at("openvino_version"), "2022.1.0-7019-cdb9bec7210-releases/2022/1");
}

TEST_F(OpenVinoDriverTest, AsyncLatencyIsRecordedAsQueued) {
  std::unique_ptr<Driver> driver = MakeDriver({{"nstreams", "2"}});
  runner_.AddExit(0, ReadGolden("benchmark_app/ov2021_async.log"));
  RunRequest request = MakeRequest();
  (*request.parameters.mutable_values())["api"].set_string_value("async");
  (*request.parameters.mutable_values())["nireq"].set_int_value(4);
  absl::StatusOr<RunResult> result = driver->Run(request, cancel_);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_THAT(runner_.specs[0].argv, ElementsAre("benchmark_app", "-m", models_.Of("ResNet-50.xml"), "-d", "MYRIAD", "-b",
                                                 "1", "-api", "async", "-niter", "200", "-nireq", "4", "-nstreams",
                                                 "2"));
  const auto& env = result->environment.entries();
  EXPECT_EQ(env.at("api"), "async");
  EXPECT_EQ(env.at("latency_scope"), "queued");
  EXPECT_EQ(env.at("mean_source"), "not reported");
  EXPECT_EQ(env.at("report_format"), "2021");
  EXPECT_DOUBLE_EQ(result->summary.latency().median_us(), 170940);
  EXPECT_DOUBLE_EQ(result->summary.latency().mean_us(), 0);  // 2021 async prints no mean
  EXPECT_DOUBLE_EQ(result->summary.fps(), 23.35);
}

TEST_F(OpenVinoDriverTest, Sync2021MeanIsDurationPerIteration) {
  std::unique_ptr<Driver> driver = MakeDriver();
  runner_.AddExit(0, ReadGolden("benchmark_app/ov2021_sync.log"));
  absl::StatusOr<RunResult> result = driver->Run(MakeRequest("FP16", 4), cancel_);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_NEAR(result->summary.latency().mean_us(), 4436100.0 / 500, 1e-6);
  EXPECT_EQ(result->environment.entries().at("mean_source"), "duration/count (sync)");
  EXPECT_THAT(result->environment.entries().at("throughput_derived"), HasSubstr("true"));
}

TEST_F(OpenVinoDriverTest, RepeatsAreCombined) {
  std::unique_ptr<Driver> driver = MakeDriver();
  runner_.AddExit(0, ReadGolden("benchmark_app/ov2022_3.log"));
  runner_.AddExit(0, ReadGolden("benchmark_app/ov2022_3.log"));
  RunRequest request = MakeRequest();
  request.settings.set_repeats(2);
  absl::StatusOr<RunResult> result = driver->Run(request, cancel_);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(runner_.specs.size(), 2u);
  EXPECT_EQ(result->summary.latency().count(), 2824);
  EXPECT_DOUBLE_EQ(result->summary.latency().mean_us(), 170410);
  EXPECT_DOUBLE_EQ(result->summary.latency().median_us(), 169960);
  EXPECT_DOUBLE_EQ(result->summary.fps(), 23.46);
  // Each repeat's own figures, for the agent's per-repeat statistics.
  ASSERT_EQ(result->repeat_stats.size(), 2u);
  EXPECT_EQ(result->repeat_stats[0].count(), 1412);
  EXPECT_DOUBLE_EQ(result->repeat_stats[1].mean_us(), 170410);
}

TEST_F(OpenVinoDriverTest, RejectsWhatTheStickCannotRunBeforeLaunching) {
  std::unique_ptr<Driver> driver = MakeDriver();
  EXPECT_EQ(driver->Run(MakeRequest("FP32"), cancel_).status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(driver->Run(MakeRequest("FP16", 0), cancel_).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(driver->Run(MakeRequest("FP16", 1, "../secret"), cancel_).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(runner_.specs.empty());
}

TEST_F(OpenVinoDriverTest, AModelTheStickDoesNotHaveFailsTheExperimentBeforeLaunching) {
  std::unique_ptr<Driver> driver = MakeDriver();
  absl::StatusOr<RunResult> result = driver->Run(MakeRequest("FP16", 1, "GoogLeNetv1"), cancel_);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(result.status().message()),
              HasSubstr("openvino has no model GoogLeNetv1.xml on this device (no file " + models_.Of("GoogLeNetv1.xml") +
                        "; .xml files there: ResNet-50.xml, x; rm -rf ~ &&.xml)"));
  // The agent asks before sampling base power: the same answer.
  EXPECT_EQ(driver->Check(MakeRequest("FP16", 1, "GoogLeNetv1")), result.status());
  EXPECT_TRUE(driver->Check(MakeRequest()).ok());
  EXPECT_TRUE(runner_.specs.empty());
}

TEST_F(OpenVinoDriverTest, SweepValueArrivesAsOneArgument) {
  std::unique_ptr<Driver> driver = MakeDriver();
  runner_.AddExit(0, ReadGolden("benchmark_app/ov2022_3.log"));
  ASSERT_TRUE(driver->Run(MakeRequest("FP16", 1, "x; rm -rf ~ &&"), cancel_).ok());
  EXPECT_EQ(runner_.specs[0].argv[2], models_.Of("x; rm -rf ~ &&.xml"));
  EXPECT_EQ(runner_.specs[0].argv.size(), 11u);
}

TEST_F(OpenVinoDriverTest, ToolFailureQuotesTheToolsError) {
  std::unique_ptr<Driver> driver = MakeDriver();
  runner_.AddExit(0, ReadGolden("benchmark_app/error_no_device.log"));
  absl::StatusOr<RunResult> parsed = driver->Run(MakeRequest(), cancel_);
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(parsed.status().message()), HasSubstr("Can not init Myriad device"));
  runner_.AddExit(3, "", "[ ERROR ] Can not init Myriad device: NC_ERROR\n");
  absl::StatusOr<RunResult> failed = driver->Run(MakeRequest(), cancel_);
  EXPECT_EQ(failed.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(failed.status().message()), HasSubstr("NC_ERROR"));
}

TEST_F(OpenVinoDriverTest, ProbeRequiresTheDeviceInTheList) {
  std::unique_ptr<Driver> driver = MakeDriver({{"device", "MYRIAD.1.2-ma2480"}});
  runner_.AddExit(0, ReadGolden("benchmark_app/help_2022.txt"));
  absl::StatusOr<benchd::v1::Environment> environment = driver->Probe();
  ASSERT_TRUE(environment.ok()) << environment.status();
  EXPECT_THAT(runner_.specs[0].argv, ElementsAre("benchmark_app", "-h"));
  EXPECT_EQ(environment->entries().at("available_devices"), "CPU GNA MYRIAD");

  runner_.AddExit(0, "Available target devices:  CPU  GNA\n");
  absl::StatusOr<benchd::v1::Environment> missing = driver->Probe();
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(missing.status().message()), HasSubstr("device MYRIAD is not among"));
}

}  // namespace
}  // namespace benchd::agent
