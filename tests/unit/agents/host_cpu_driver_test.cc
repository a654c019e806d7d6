#include "agents/drivers/host_cpu_driver.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "agents/host_runtime/report.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/unit/agents/fake_process_runner.h"

namespace benchd::agent {
namespace {

using ::testing::ElementsAre;
using testing::FakeProcessRunner;
using ::testing::HasSubstr;

constexpr char kRuntime[] = "/opt/benchd/bin/benchd-host-mlp";

// Output as the real runtime formats it (same code), with chosen latencies.
std::string RuntimeOutput(const std::string& precision, int64_t batch,
                          const std::vector<int64_t>& latency_ns, double pruning = 100) {
  namespace hr = benchd::host_runtime;
  const hr::RuntimeInfo info{"0.1.0", "2.6.3", "omp", "avx512_core_vnni", 3};
  const hr::RunConfig config{.shape = *hr::MlpShape::ForPruning(pruning),
                             .pruning = pruning,
                             .precision = *hr::ParsePrecision(precision),
                             .batch = batch,
                             .warmup = 10,
                             .iterations = static_cast<int>(latency_ns.size()),
                             .seed = 1};
  hr::Measurements measurements;
  measurements.layer_implementations = {"brgemm:avx512_core_vnni", "brgemm:avx512_core_vnni",
                                        "brgemm:avx512_core_vnni", "gemm:jit"};
  int64_t now = 1'000'000;
  for (int64_t ns : latency_ns) {
    now += ns;
    measurements.latency_ns.push_back(ns);
    measurements.completion_ns.push_back(now);
  }
  return hr::FormatReport(info, config, measurements);
}

RunRequest MakeRequest(const std::string& precision, int64_t batch) {
  RunRequest request;
  request.run_id = 42;
  auto& values = *request.parameters.mutable_values();
  values["precision"].set_string_value(precision);
  values["batch"].set_int_value(batch);
  return request;
}

class HostCpuDriverTest : public ::testing::Test {
 protected:
  HostCpuDriver MakeDriver(int threads = 3) { return HostCpuDriver({kRuntime, threads}, runner_); }

  FakeProcessRunner runner_;
  std::atomic<bool> cancel_{false};
};

TEST_F(HostCpuDriverTest, BuildsArgvWithOneElementPerValue) {
  HostCpuDriver driver = MakeDriver();
  RunRequest request = MakeRequest("int8", 8);
  (*request.parameters.mutable_values())["pruning"].set_double_value(12.5);
  request.settings.set_iterations(3);
  request.settings.set_timeout_ms(5000);
  request.work_dir = "";
  runner_.AddExit(0, RuntimeOutput("INT8", 8, {100'000, 200'000, 300'000}, 12.5));

  absl::StatusOr<RunResult> result = driver.Run(request, cancel_);
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(runner_.specs.size(), 1u);
  EXPECT_THAT(runner_.specs[0].argv,
              ElementsAre(kRuntime, "--precision", "INT8", "--pruning", "12.5", "--batch", "8",
                          "--threads", "3", "--warmup", "10", "--iterations", "3"));
  EXPECT_GT(runner_.specs[0].timeout.count(), 0);
  EXPECT_LE(runner_.specs[0].timeout.count(), 5000);
  EXPECT_EQ(runner_.cancels[0], &cancel_);
}

TEST_F(HostCpuDriverTest, ThreadsParameterOverridesOptionAndIntegerPruningIsAccepted) {
  HostCpuDriver driver = MakeDriver();
  RunRequest request = MakeRequest("FP32", 1);
  (*request.parameters.mutable_values())["threads"].set_int_value(5);
  (*request.parameters.mutable_values())["pruning"].set_int_value(50);
  request.settings.set_iterations(1);
  runner_.AddExit(0, RuntimeOutput("FP32", 1, {1000}, 50));
  ASSERT_TRUE(driver.Run(request, cancel_).ok());
  const std::vector<std::string>& argv = runner_.specs[0].argv;
  EXPECT_THAT(std::vector<std::string>(argv.begin() + 3, argv.begin() + 9),
              ElementsAre("--pruning", "50", "--batch", "1", "--threads", "5"));
  // No timeout_ms: the 10-minute default, less the moment spent before launch.
  EXPECT_LE(runner_.specs[0].timeout, std::chrono::minutes(10));
  EXPECT_GT(runner_.specs[0].timeout, std::chrono::minutes(9));
}

TEST_F(HostCpuDriverTest, SummarisesAllRepeatsPerBatch) {
  HostCpuDriver driver = MakeDriver();
  RunRequest request = MakeRequest("FP32", 8);
  request.settings.set_iterations(3);
  request.settings.set_repeats(2);
  runner_.AddExit(0, RuntimeOutput("FP32", 8, {100'000, 200'000, 300'000}));
  runner_.AddExit(0, RuntimeOutput("FP32", 8, {150'000, 250'000, 200'000}));

  absl::StatusOr<RunResult> result = driver.Run(request, cancel_);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(runner_.specs.size(), 2u);
  ASSERT_EQ(result->repeats.size(), 2u);
  EXPECT_EQ(result->repeats[1].repeat, 1);
  EXPECT_EQ(result->repeats[0].kind, benchd::v1::LATENCY_KIND_SYSTEM);
  EXPECT_THAT(result->repeats[1].latency_us, ElementsAre(150.0, 250.0, 200.0));
  EXPECT_EQ(result->repeats[0].t_ns.size(), 3u);

  const benchd::v1::RunSummary& summary = result->summary;
  EXPECT_EQ(summary.latency_kind(), benchd::v1::LATENCY_KIND_SYSTEM);
  EXPECT_EQ(summary.latency().count(), 6);
  EXPECT_DOUBLE_EQ(summary.latency().mean_us(), 200.0);
  EXPECT_DOUBLE_EQ(summary.latency().median_us(), 200.0);
  EXPECT_DOUBLE_EQ(summary.fps(), 8 * 1e6 / 200.0);
  EXPECT_NEAR(summary.gops(), 20029440.0 * 8 / 200e-6 / 1e9, 1e-9);
  EXPECT_EQ(summary.inferences(), 48);
  std::map<std::string, double> extra;
  for (const auto& metric : summary.extra()) extra[metric.name()] = metric.value();
  EXPECT_EQ(extra["params"], 10014720);
  EXPECT_EQ(extra["ops_per_inference"], 20029440);
  EXPECT_EQ(extra["batch"], 8);
  EXPECT_EQ(extra["threads"], 3);

  const auto& env = result->environment.entries();
  EXPECT_EQ(env.at("driver"), "host-cpu");
  EXPECT_EQ(env.at("runtime"), kRuntime);
  EXPECT_EQ(env.at("runtime_version"), "0.1.0");
  EXPECT_EQ(env.at("onednn"), "2.6.3");
  EXPECT_EQ(env.at("isa"), "avx512_core_vnni");
  EXPECT_EQ(env.at("threads"), "3");
  EXPECT_EQ(env.at("onednn_impl"), "brgemm:avx512_core_vnni,gemm:jit");
  EXPECT_FALSE(env.at("cpu_model").empty());
  EXPECT_FALSE(env.at("hostname").empty());
  EXPECT_THAT(env.at("kernel"), HasSubstr("Linux"));
}

TEST_F(HostCpuDriverTest, RejectsUnsupportedPrecisionWithoutLaunching) {
  HostCpuDriver driver = MakeDriver();
  absl::StatusOr<RunResult> result = driver.Run(MakeRequest("INT4", 1), cancel_);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(result.status().message()),
              HasSubstr("host-cpu cannot run precision INT4: supported are FP32, INT8"));
  EXPECT_TRUE(runner_.specs.empty());
}

TEST_F(HostCpuDriverTest, RejectsBadParametersWithoutLaunching) {
  HostCpuDriver driver = MakeDriver();
  // What the device advertises, so that the coordinator never sends this.
  EXPECT_THAT(driver.RequiredParameters(), ElementsAre("precision"));
  RunRequest no_precision = MakeRequest("FP32", 1);
  no_precision.parameters.mutable_values()->erase("precision");
  EXPECT_EQ(driver.Run(no_precision, cancel_).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(driver.Run(MakeRequest("FP32", 0), cancel_).status().code(),
            absl::StatusCode::kInvalidArgument);
  RunRequest bad_pruning = MakeRequest("FP32", 1);
  (*bad_pruning.parameters.mutable_values())["pruning"].set_string_value("half");
  EXPECT_EQ(driver.Run(bad_pruning, cancel_).status().code(), absl::StatusCode::kInvalidArgument);
  RunRequest zero_pruning = MakeRequest("FP32", 1);
  (*zero_pruning.parameters.mutable_values())["pruning"].set_int_value(0);
  EXPECT_EQ(driver.Run(zero_pruning, cancel_).status().code(), absl::StatusCode::kInvalidArgument);
  RunRequest negative = MakeRequest("FP32", 1);
  negative.settings.set_repeats(-1);
  EXPECT_EQ(driver.Run(negative, cancel_).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(runner_.specs.empty());
}

TEST_F(HostCpuDriverTest, RuntimeExitTwoIsAMeasurementFailure) {
  HostCpuDriver driver = MakeDriver();
  runner_.AddExit(2, "", "benchd-host-mlp: the host runtime cannot run precision INT8\n");
  absl::StatusOr<RunResult> result = driver.Run(MakeRequest("INT8", 1), cancel_);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(result.status().message()), HasSubstr("cannot run precision INT8"));
}

TEST_F(HostCpuDriverTest, TimeoutIsDeadlineExceededWithStderrTail) {
  HostCpuDriver driver = MakeDriver();
  common::ProcessOutcome outcome;
  outcome.timed_out = true;
  outcome.term_signal = 15;
  outcome.wall_time = std::chrono::milliseconds(5000);
  outcome.stderr_text = "warming up\n";
  runner_.results.emplace_back(outcome);
  absl::StatusOr<RunResult> result = driver.Run(MakeRequest("FP32", 1), cancel_);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_THAT(std::string(result.status().message()), HasSubstr("host-cpu run 42 repeat 0"));
  EXPECT_THAT(std::string(result.status().message()), HasSubstr("timed out after 5000 ms"));
  EXPECT_THAT(std::string(result.status().message()), HasSubstr("stderr: warming up"));
}

TEST_F(HostCpuDriverTest, CrashesAndLaunchFailuresAreUnavailable) {
  HostCpuDriver driver = MakeDriver();
  common::ProcessOutcome crash;
  crash.term_signal = 11;
  runner_.results.emplace_back(crash);
  runner_.AddExit(1, "", "benchd-host-mlp: onednn failed: could not create a primitive\n");
  runner_.results.emplace_back(absl::NotFoundError("run 'benchd-host-mlp': not found on PATH"));

  EXPECT_EQ(driver.Run(MakeRequest("FP32", 1), cancel_).status().code(),
            absl::StatusCode::kUnavailable);
  absl::StatusOr<RunResult> exit1 = driver.Run(MakeRequest("FP32", 1), cancel_);
  EXPECT_EQ(exit1.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(exit1.status().message()), HasSubstr("exit code 1"));
  EXPECT_THAT(std::string(exit1.status().message()), HasSubstr("could not create a primitive"));
  absl::StatusOr<RunResult> missing = driver.Run(MakeRequest("FP32", 1), cancel_);
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(missing.status().message()), HasSubstr("not found on PATH"));
}

TEST_F(HostCpuDriverTest, UnparsableOrMismatchedOutputIsInternal) {
  HostCpuDriver driver = MakeDriver();
  runner_.AddExit(0, "Illegal instruction\n");
  runner_.AddExit(0, RuntimeOutput("FP32", 4, std::vector<int64_t>(100, 1000)));
  runner_.AddExit(64, "", "--batch: Value 0 not in range 1 to 4096\n");

  absl::StatusOr<RunResult> garbage = driver.Run(MakeRequest("FP32", 1), cancel_);
  EXPECT_EQ(garbage.status().code(), absl::StatusCode::kInternal);
  EXPECT_THAT(std::string(garbage.status().message()), HasSubstr("parse benchd-host-mlp output"));
  absl::StatusOr<RunResult> mismatch = driver.Run(MakeRequest("FP32", 1), cancel_);
  EXPECT_EQ(mismatch.status().code(), absl::StatusCode::kInternal);
  EXPECT_THAT(std::string(mismatch.status().message()), HasSubstr("batch=4"));
  EXPECT_EQ(driver.Run(MakeRequest("FP32", 1), cancel_).status().code(),
            absl::StatusCode::kInternal);
}

TEST_F(HostCpuDriverTest, FailureInLaterRepeatNamesIt) {
  HostCpuDriver driver = MakeDriver();
  RunRequest request = MakeRequest("FP32", 1);
  request.settings.set_iterations(2);
  request.settings.set_repeats(3);
  runner_.AddExit(0, RuntimeOutput("FP32", 1, {1000, 1000}));
  runner_.AddExit(0, RuntimeOutput("FP32", 1, {1000}));  // one sample short
  absl::StatusOr<RunResult> result = driver.Run(request, cancel_);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInternal);
  EXPECT_THAT(std::string(result.status().message()), HasSubstr("repeat 1"));
  EXPECT_EQ(runner_.specs.size(), 2u);
}

TEST_F(HostCpuDriverTest, CancelledRunsStop) {
  HostCpuDriver driver = MakeDriver();
  cancel_ = true;
  EXPECT_EQ(driver.Run(MakeRequest("FP32", 1), cancel_).status().code(),
            absl::StatusCode::kCancelled);
  EXPECT_TRUE(runner_.specs.empty());

  cancel_ = false;
  common::ProcessOutcome cancelled;
  cancelled.cancelled = true;
  cancelled.term_signal = 15;
  runner_.results.emplace_back(cancelled);
  EXPECT_EQ(driver.Run(MakeRequest("FP32", 1), cancel_).status().code(),
            absl::StatusCode::kCancelled);
}

TEST_F(HostCpuDriverTest, SavesRawOutputInWorkDir) {
  const std::filesystem::path dir =
      std::filesystem::path(::testing::TempDir()) / "host_cpu_driver_raw_output";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  HostCpuDriver driver = MakeDriver();
  RunRequest request = MakeRequest("FP32", 1);
  request.settings.set_iterations(1);
  request.work_dir = dir.string();
  const std::string text = RuntimeOutput("FP32", 1, {1000});
  runner_.AddExit(0, text, "note\n");
  ASSERT_TRUE(driver.Run(request, cancel_).ok());
  EXPECT_EQ(runner_.specs[0].working_dir, dir.string());
  std::ifstream file(dir / "host-mlp-repeat-0.stdout");
  std::stringstream saved;
  saved << file.rdbuf();
  EXPECT_EQ(saved.str(), text);
  EXPECT_TRUE(std::filesystem::exists(dir / "host-mlp-repeat-0.stderr"));
}

TEST_F(HostCpuDriverTest, ProbeRunsVersionAndReportsEnvironment) {
  HostCpuDriver driver = MakeDriver(4);
  runner_.AddExit(0,
                  "benchd-host-mlp format=1 version=0.1.0 onednn=2.6.3 threading=omp "
                  "isa=avx2 threads=16\n");
  absl::StatusOr<benchd::v1::Environment> environment = driver.Probe();
  ASSERT_TRUE(environment.ok()) << environment.status();
  EXPECT_THAT(runner_.specs[0].argv, ElementsAre(kRuntime, "--version"));
  EXPECT_EQ(environment->entries().at("isa"), "avx2");
  EXPECT_EQ(environment->entries().at("threads"), "4");
  EXPECT_EQ(environment->entries().at("driver"), "host-cpu");

  runner_.AddExit(127, "", "exec failed\n");
  EXPECT_EQ(driver.Probe().status().code(), absl::StatusCode::kUnavailable);
  runner_.AddExit(0, "usage: something else\n");
  EXPECT_EQ(driver.Probe().status().code(), absl::StatusCode::kUnavailable);
}

TEST(HostCpuDriverCreateTest, ValidatesOptions) {
  FakeProcessRunner runner;
  absl::StatusOr<std::unique_ptr<Driver>> defaults = HostCpuDriver::Create({}, runner);
  ASSERT_TRUE(defaults.ok()) << defaults.status();
  EXPECT_EQ((*defaults)->Name(), "host-cpu");
  EXPECT_EQ(HostCpuDriver::Create({{"threads", "0"}}, runner).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(HostCpuDriver::Create({{"threads", "two"}}, runner).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(HostCpuDriver::Create({{"runtime", ""}}, runner).status().code(),
            absl::StatusCode::kInvalidArgument);
  absl::StatusOr<std::unique_ptr<Driver>> unknown =
      HostCpuDriver::Create({{"runtme", "/x"}}, runner);
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(unknown.status().message()), HasSubstr("known are runtime, threads"));
}

TEST(HostCpuDriverCreateTest, DefaultsToPathLookupAndAllCores) {
  FakeProcessRunner runner;
  runner.AddExit(0,
                 "benchd-host-mlp format=1 version=0.1.0 onednn=2.6.3 threading=omp "
                 "isa=avx2 threads=1\n");
  absl::StatusOr<std::unique_ptr<Driver>> driver = HostCpuDriver::Create({}, runner);
  ASSERT_TRUE(driver.ok());
  absl::StatusOr<benchd::v1::Environment> environment = (*driver)->Probe();
  ASSERT_TRUE(environment.ok()) << environment.status();
  EXPECT_EQ(runner.specs[0].argv[0], "benchd-host-mlp");
  const unsigned cores = std::thread::hardware_concurrency();
  EXPECT_EQ(environment->entries().at("threads"), std::to_string(cores > 0 ? cores : 1));
}

}  // namespace
}  // namespace benchd::agent
