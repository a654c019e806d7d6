#include "agents/drivers/edgetpu_driver.h"

#include <filesystem>
#include <fstream>

#include "agents/drivers/driver_registry.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/temp_dir.h"
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

RunRequest MakeRequest(const std::string& clock, const std::string& precision = "INT8", int64_t batch = 1) {
  RunRequest request;
  request.run_id = 11;
  auto& values = *request.parameters.mutable_values();
  values["precision"].set_string_value(precision);
  values["batch"].set_int_value(batch);
  values["topology"].set_string_value("MobileNetv1");
  values["clock"].set_string_value(clock);
  request.settings.set_iterations(1000);
  request.settings.set_warmup(5);
  return request;
}

class EdgeTpuDriverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(dir_.path() + "/max");
    std::ofstream(max_runtime_) << "not really a library";
  }
  std::unique_ptr<Driver> MakeDriver(DriverOptions extra = {}) {
    DriverOptions options = {{"model_dir", models_.path()}};
    for (const auto& [key, value] : extra) options[key] = value;
    absl::StatusOr<std::unique_ptr<Driver>> driver = EdgeTpuDriver::Create(options, runner_);
    EXPECT_TRUE(driver.ok()) << driver.status();
    return driver.ok() ? *std::move(driver) : nullptr;
  }

  ModelDir models_{"MobileNetv1_edgetpu.tflite"};
  FakeProcessRunner runner_;
  std::atomic<bool> cancel_{false};
  benchd::testing::TempDir dir_{"benchd-edgetpu-test"};
  const std::string max_runtime_ = dir_.path() + "/max/libedgetpu.so.1";
};

TEST_F(EdgeTpuDriverTest, RegisteredAndRejectsBadOptions) {
  EXPECT_TRUE(CreateDriver("edgetpu", {{"model_dir", "/m"}}, runner_).ok());
  EXPECT_FALSE(EdgeTpuDriver::Create({{"model_dir", "/m"}, {"installed_clock", "medium"}}, runner_).ok());
  EXPECT_FALSE(EdgeTpuDriver::Create({{"model_dir", "/m"}, {"delegate.fast", "/x"}}, runner_).ok());
}

TEST_F(EdgeTpuDriverTest, PrepareSelectsTheRuntimeOfTheClock) {
  std::unique_ptr<Driver> driver = MakeDriver({{"delegate_fast", max_runtime_}});
  absl::StatusOr<benchd::v1::Environment> fast = driver->Prepare(MakeRequest("fast"), cancel_);
  ASSERT_TRUE(fast.ok()) << fast.status();
  EXPECT_EQ(fast->entries().at("clock"), "fast");
  EXPECT_EQ(fast->entries().at("libedgetpu"), max_runtime_);
  EXPECT_EQ(fast->entries().at("libedgetpu_variant"), "max");
  EXPECT_EQ(fast->entries().at("libedgetpu_resolved"), std::filesystem::canonical(max_runtime_).string());

  // slow is the installed default runtime, a bare name the loader resolves.
  absl::StatusOr<benchd::v1::Environment> slow = driver->Prepare(MakeRequest("SLOW"), cancel_);
  ASSERT_TRUE(slow.ok()) << slow.status();
  EXPECT_EQ(slow->entries().at("libedgetpu"), "libedgetpu.so.1");
  EXPECT_TRUE(runner_.specs.empty());
}

TEST_F(EdgeTpuDriverTest, ClockWithoutRuntimeIsAMeasurementFailure) {
  std::unique_ptr<Driver> driver = MakeDriver();
  absl::StatusOr<benchd::v1::Environment> fast = driver->Prepare(MakeRequest("fast"), cancel_);
  EXPECT_EQ(fast.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(fast.status().message()), HasSubstr("install libedgetpu1-max or set option delegate_fast"));
  EXPECT_EQ(driver->Prepare(MakeRequest("turbo"), cancel_).status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(EdgeTpuDriverTest, MissingRuntimeFileIsAnInfrastructureFailure) {
  std::unique_ptr<Driver> driver = MakeDriver({{"delegate_fast", dir_.path() + "/gone/libedgetpu.so.1"}});
  EXPECT_EQ(driver->Prepare(MakeRequest("fast"), cancel_).status().code(), absl::StatusCode::kUnavailable);
}

TEST_F(EdgeTpuDriverTest, RunsBenchmarkModelWithExactArgv) {
  std::unique_ptr<Driver> driver = MakeDriver({{"delegate_fast", max_runtime_}, {"env.BENCHD_SIM_NOISE", "0"}});
  ASSERT_TRUE(driver->Prepare(MakeRequest("fast"), cancel_).ok());
  runner_.AddExit(0, "", ReadGolden("benchmark_model/edgetpu_tf2.log"));  // TFLite logs to stderr
  absl::StatusOr<RunResult> result = driver->Run(MakeRequest("fast"), cancel_);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_THAT(runner_.specs[0].argv,
              ElementsAre("benchmark_model", "--graph=" + models_.Of("MobileNetv1_edgetpu.tflite"),
                          "--external_delegate_path=" + max_runtime_, "--external_delegate_options=device:usb",
                          "--num_runs=1000", "--warmup_runs=5", "--min_secs=0", "--warmup_min_secs=0",
                          "--num_threads=1"));
  EXPECT_EQ(runner_.specs[0].extra_env.at("BENCHD_SIM_NOISE"), "0");
  EXPECT_TRUE(result->repeats.empty());
  const benchd::v1::LatencyStats& latency = result->summary.latency();
  EXPECT_EQ(latency.count(), 1000);
  EXPECT_DOUBLE_EQ(latency.mean_us(), 3131.4);
  EXPECT_NEAR(latency.std_us(), 54 * std::sqrt(1000.0 / 999), 1e-9);
  EXPECT_DOUBLE_EQ(latency.median_us(), 3124);
  EXPECT_DOUBLE_EQ(latency.p95_us(), 3230);
  EXPECT_FALSE(latency.has_p99_us());  // not printed, not invented
  EXPECT_LT(latency.ci95_low_us(), 3131.4);
  EXPECT_NEAR(result->summary.fps(), 1e6 / 3131.4, 1e-9);
  std::map<std::string, double> extra;
  for (const auto& metric : result->summary.extra()) extra[metric.name()] = metric.value();
  EXPECT_DOUBLE_EQ(extra.at("init_us"), 352140);
  EXPECT_DOUBLE_EQ(extra.at("first_inference_us"), 12841);
  EXPECT_DOUBLE_EQ(extra.at("p5_us"), 3058);
  EXPECT_EQ(result->environment.entries().at("fully_delegated"), "true");
}

TEST_F(EdgeTpuDriverTest, RejectsWhatTheTpuCannotRunBeforeLaunching) {
  std::unique_ptr<Driver> driver = MakeDriver();
  ASSERT_TRUE(driver->Prepare(MakeRequest("slow"), cancel_).ok());
  EXPECT_EQ(driver->Run(MakeRequest("slow", "FP16"), cancel_).status().code(), absl::StatusCode::kFailedPrecondition);
  absl::StatusOr<RunResult> batch = driver->Run(MakeRequest("slow", "INT8", 4), cancel_);
  EXPECT_EQ(batch.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(batch.status().message()), HasSubstr("compiled for batch 1"));
  EXPECT_TRUE(runner_.specs.empty());
}

TEST_F(EdgeTpuDriverTest, AModelNotCompiledForTheTpuFailsTheExperimentBeforeLaunching) {
  std::unique_ptr<Driver> driver = MakeDriver();
  ASSERT_TRUE(driver->Prepare(MakeRequest("slow"), cancel_).ok());
  RunRequest request = MakeRequest("slow");
  (*request.parameters.mutable_values())["topology"].set_string_value("EfficientNet-L");
  absl::StatusOr<RunResult> result = driver->Run(request, cancel_);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(result.status().message()),
              HasSubstr("edgetpu has no model EfficientNet-L_edgetpu.tflite on this device (no file " +
                        models_.Of("EfficientNet-L_edgetpu.tflite") +
                        "; .tflite files there: MobileNetv1_edgetpu.tflite)"));
  EXPECT_TRUE(runner_.specs.empty());
}

TEST_F(EdgeTpuDriverTest, FailedDelegateLoadIsReported) {
  std::unique_ptr<Driver> driver = MakeDriver();
  ASSERT_TRUE(driver->Prepare(MakeRequest("slow"), cancel_).ok());
  runner_.AddExit(1, "", ReadGolden("benchmark_model/delegate_error.log"));
  absl::StatusOr<RunResult> result = driver->Run(MakeRequest("slow"), cancel_);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(result.status().message()), HasSubstr("Could not open 'libedgetpu.so.1'"));
}

TEST_F(EdgeTpuDriverTest, ProbeAcceptsUsageOnStderrWithExitOne) {
  std::unique_ptr<Driver> driver = MakeDriver();
  runner_.AddExit(1, "", "Flags:\n\t--graph=\tstring\trequired\tthe path to the model\n");
  absl::StatusOr<benchd::v1::Environment> environment = driver->Probe();
  ASSERT_TRUE(environment.ok()) << environment.status();
  EXPECT_THAT(runner_.specs[0].argv, ElementsAre("benchmark_model", "--help"));
  runner_.AddExit(127, "", "benchmark_model: not found\n");
  EXPECT_EQ(driver->Probe().status().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace benchd::agent
