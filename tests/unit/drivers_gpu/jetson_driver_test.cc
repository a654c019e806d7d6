#include "agents/drivers/jetson_driver.h"

#include <filesystem>
#include <fstream>

#include "agents/drivers/driver_registry.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/drivers_gpu/golden.h"
#include "tests/unit/drivers_gpu/hooked_runner.h"
#include "tests/unit/drivers_gpu/model_dir.h"

namespace benchd::agent {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::HookedRunner;
using testing::ModelDir;
using testing::ReadGolden;

constexpr char kTrtexec[] = "/usr/src/tensorrt/bin/trtexec";

// trtexec's summary for `queries` timed queries (explicit batch).
std::string Summary(int queries) {
  return "[I] Warmup completed 2 queries over 200 ms\n[I] Timing trace has " + std::to_string(queries) +
         " queries over 0.01 s\n[I] === Performance summary ===\n[I] Throughput: 2325.58 qps\n"
         "[I] Latency: min = 0.43 ms, max = 0.44 ms, mean = 0.435 ms, median = 0.435 ms, percentile(99%) = 0.44 ms\n"
         "[I] GPU Compute Time: min = 0.2 ms, max = 0.21 ms, mean = 0.205 ms, median = 0.205 ms, "
         "percentile(99%) = 0.21 ms\n&&&& PASSED TensorRT.trtexec [TensorRT v8201] # trtexec\n";
}

// A trace with two warm-up queries (compute starting before 200 ms) and two
// timed ones.
constexpr char kTrace[] = R"([
  { "startComputeMs" : 1.0, "computeMs" : 0.3, "latencyMs" : 0.6, "endToEndMs" : 0.6, "endD2hMs" : 1.5 }
, { "startComputeMs" : 150.0, "computeMs" : 0.3, "latencyMs" : 0.6, "endToEndMs" : 0.6, "endD2hMs" : 150.5 }
, { "startComputeMs" : 200.1, "computeMs" : 0.2, "latencyMs" : 0.43, "endToEndMs" : 0.5, "endD2hMs" : 200.4 }
, { "startComputeMs" : 200.6, "computeMs" : 0.21, "latencyMs" : 0.44, "endToEndMs" : 0.7, "endD2hMs" : 201.0 }
])";

RunRequest MakeRequest(const std::string& work_dir, const std::string& precision = "FP16", int64_t batch = 4,
                       const std::string& topology = "MLP") {
  RunRequest request;
  request.run_id = 7;
  request.work_dir = work_dir;
  auto& values = *request.parameters.mutable_values();
  values["precision"].set_string_value(precision);
  values["batch"].set_int_value(batch);
  values["topology"].set_string_value(topology);
  values["pruning"].set_double_value(12.5);
  values["power_mode"].set_string_value("maxn");
  request.settings.set_iterations(50);
  return request;
}

class JetsonDriverTest : public ::testing::Test {
 protected:
  std::unique_ptr<Driver> MakeDriver(DriverOptions extra = {}) {
    DriverOptions options = {{"model_dir", models_.path()}, {"env.BENCHD_SIM_NOISE", "0"}};
    for (const auto& [key, value] : extra) options[key] = value;
    absl::StatusOr<std::unique_ptr<Driver>> driver = JetsonDriver::Create(options, runner_);
    EXPECT_TRUE(driver.ok()) << driver.status();
    return driver.ok() ? *std::move(driver) : nullptr;
  }
  // Makes the fake trtexec write `trace` where the driver asked for it.
  void WriteTraceOnRun(const std::string& trace) {
    runner_.hook = [trace](const common::ProcessSpec& spec) {
      for (const std::string& arg : spec.argv) {
        if (arg.starts_with("--exportTimes=")) std::ofstream(arg.substr(14)) << trace;
      }
    };
  }
  std::vector<std::vector<std::string>> Argvs() const {
    std::vector<std::vector<std::string>> argvs;
    for (const auto& spec : runner_.fake.specs) argvs.push_back(spec.argv);
    return argvs;
  }

  ModelDir models_{"MLP-p12.5.onnx", "MLP-p12.5_fp32.engine", "1; rm -rf $HOME-p12.5.onnx"};
  HookedRunner runner_;
  std::atomic<bool> cancel_{false};
  benchd::testing::TempDir dir_{"benchd-jetson-test"};
};

TEST_F(JetsonDriverTest, RegisteredAndRejectsBadOptions) {
  EXPECT_TRUE(CreateDriver("jetson", {{"model_dir", "/m"}}, runner_).ok());
  EXPECT_THAT(std::string(JetsonDriver::Create({}, runner_).status().message()),
              HasSubstr("option 'model_dir' is required"));
  EXPECT_THAT(std::string(JetsonDriver::Create({{"model_dir", "/m"}, {"modeldir", "/m"}}, runner_).status().message()),
              HasSubstr("option 'modeldir' is unknown"));
  EXPECT_FALSE(JetsonDriver::Create({{"model_dir", "/m"}, {"power_modes", "maxn"}}, runner_).ok());
  EXPECT_FALSE(JetsonDriver::Create({{"model_dir", "/m"}, {"batch_mode", "both"}}, runner_).ok());
  EXPECT_FALSE(JetsonDriver::Create({{"model_dir", "/m"}, {"input_dims", "3x;"}}, runner_).ok());
}

TEST_F(JetsonDriverTest, PrepareSetsPinsAndReadsBackTheMode) {
  std::unique_ptr<Driver> driver = MakeDriver();
  runner_.fake.AddExit(0, "NV Power Mode: MAXP_CORE_ARM\n3\n");  // before
  runner_.fake.AddExit(0, "");                                   // jetson_clocks --store
  runner_.fake.AddExit(0, "");                                   // nvpmodel -m 0
  runner_.fake.AddExit(0, "");                                   // jetson_clocks
  runner_.fake.AddExit(0, "NV Power Mode: MAXN\n0\n");           // read back
  absl::StatusOr<benchd::v1::Environment> environment = driver->Prepare(MakeRequest(dir_.path()), cancel_);
  ASSERT_TRUE(environment.ok()) << environment.status();
  EXPECT_THAT(Argvs(), ElementsAre(ElementsAre("nvpmodel", "-q"), ElementsAre("jetson_clocks", "--store"),
                                   ElementsAre("nvpmodel", "-m", "0"), ElementsAre("jetson_clocks"),
                                   ElementsAre("nvpmodel", "-q")));
  EXPECT_EQ(runner_.fake.specs[2].extra_env.at("BENCHD_SIM_NOISE"), "0");
  EXPECT_EQ(environment->entries().at("nvpmodel_name"), "MAXN");
  EXPECT_EQ(environment->entries().at("nvpmodel_id"), "0");
  EXPECT_EQ(environment->entries().at("jetson_clocks"), "pinned");

  // A second mode change neither saves the clocks again nor forgets the
  // board's original mode; Teardown restores both.
  runner_.fake.specs.clear();
  runner_.fake.AddExit(0, "");
  runner_.fake.AddExit(0, "");
  runner_.fake.AddExit(0, "NV Power Mode: MAXP_CORE_ALL\n2\n");
  RunRequest maxp = MakeRequest(dir_.path());
  (*maxp.parameters.mutable_values())["power_mode"].set_string_value("MAXP");
  ASSERT_TRUE(driver->Prepare(maxp, cancel_).ok());
  EXPECT_THAT(Argvs(), ElementsAre(ElementsAre("nvpmodel", "-m", "2"), ElementsAre("jetson_clocks"),
                                   ElementsAre("nvpmodel", "-q")));
  runner_.fake.specs.clear();
  runner_.fake.AddExit(0, "");
  runner_.fake.AddExit(0, "");
  EXPECT_TRUE(driver->Teardown().ok());
  EXPECT_THAT(Argvs(), ElementsAre(ElementsAre("nvpmodel", "-m", "3"), ElementsAre("jetson_clocks", "--restore")));
}

TEST_F(JetsonDriverTest, ReadBackMismatchIsAnInfrastructureFailure) {
  std::unique_ptr<Driver> driver = MakeDriver({{"jetson_clocks_pin", "false"}});
  runner_.fake.AddExit(0, "NV Power Mode: MAXN\n0\n");
  runner_.fake.AddExit(0, "");
  runner_.fake.AddExit(0, "NV Power Mode: MAXN\n0\n");  // the board ignored -m 1
  RunRequest request = MakeRequest(dir_.path());
  (*request.parameters.mutable_values())["power_mode"].set_string_value("maxq");
  absl::StatusOr<benchd::v1::Environment> environment = driver->Prepare(request, cancel_);
  ASSERT_FALSE(environment.ok());
  EXPECT_EQ(environment.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(environment.status().message()),
              HasSubstr("power mode read back as MAXN (id 0) after setting 'maxq' (id 1)"));
}

TEST_F(JetsonDriverTest, UnknownPowerModeFailsBeforeLaunching) {
  std::unique_ptr<Driver> driver = MakeDriver();
  RunRequest request = MakeRequest(dir_.path());
  (*request.parameters.mutable_values())["power_mode"].set_string_value("turbo");
  absl::StatusOr<benchd::v1::Environment> environment = driver->Prepare(request, cancel_);
  EXPECT_EQ(environment.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(runner_.fake.specs.empty());
}

TEST_F(JetsonDriverTest, RunsTrtexecWithExactArgvAndKeepsTimedQueries) {
  std::unique_ptr<Driver> driver = MakeDriver();
  WriteTraceOnRun(kTrace);
  runner_.fake.AddExit(0, Summary(2));
  absl::StatusOr<RunResult> result = driver->Run(MakeRequest(dir_.path()), cancel_);
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(runner_.fake.specs.size(), 1u);
  EXPECT_THAT(runner_.fake.specs[0].argv,
              ElementsAre(kTrtexec, "--onnx=" + models_.Of("MLP-p12.5.onnx"), "--fp16", "--shapes=input:4x784", "--warmUp=200",
                          "--duration=0", "--iterations=50", "--percentile=99",
                          "--exportTimes=" + dir_.path() + "/trtexec-times-0.json"));
  EXPECT_EQ(runner_.fake.specs[0].extra_env.at("BENCHD_SIM_NOISE"), "0");
  ASSERT_EQ(result->repeats.size(), 1u);
  EXPECT_EQ(result->repeats[0].kind, benchd::v1::LATENCY_KIND_SYSTEM);
  EXPECT_THAT(result->repeats[0].latency_us, ElementsAre(430, 440));
  EXPECT_TRUE(result->repeats[0].t_ns.empty());
  const benchd::v1::RunSummary& summary = result->summary;
  EXPECT_DOUBLE_EQ(summary.latency().mean_us(), 435);
  EXPECT_EQ(summary.latency().count(), 2);
  EXPECT_DOUBLE_EQ(summary.fps(), 2325.58 * 4);  // explicit batch: queries x batch
  EXPECT_EQ(summary.inferences(), 8);
  std::map<std::string, double> extra;
  for (const auto& metric : summary.extra()) extra[metric.name()] = metric.value();
  EXPECT_DOUBLE_EQ(extra.at("compute_mean_us"), 205);
  EXPECT_DOUBLE_EQ(extra.at("end_to_end_mean_us"), 600);
  EXPECT_DOUBLE_EQ(extra.at("throughput_qps"), 2325.58);
  EXPECT_EQ(result->environment.entries().at("tensorrt_version"), "8.2.1");
  // The raw output is kept beside the run.
  EXPECT_TRUE(std::filesystem::exists(dir_.path() + "/trtexec-repeat-0.stdout"));
}

TEST_F(JetsonDriverTest, EngineFilesAndImplicitBatch) {
  std::unique_ptr<Driver> driver = MakeDriver({{"model_format", "engine"}, {"batch_mode", "implicit"}});
  WriteTraceOnRun(kTrace);
  runner_.fake.AddExit(0, Summary(2 * 4));  // implicit batch: trtexec counts items
  absl::StatusOr<RunResult> result = driver->Run(MakeRequest(dir_.path(), "fp32"), cancel_);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_THAT(runner_.fake.specs[0].argv,
              ElementsAre(kTrtexec, "--loadEngine=" + models_.Of("MLP-p12.5_fp32.engine"), "--batch=4", "--warmUp=200",
                          "--duration=0", "--iterations=50", "--percentile=99",
                          "--exportTimes=" + dir_.path() + "/trtexec-times-0.json"));
  EXPECT_DOUBLE_EQ(result->summary.fps(), 2325.58);  // already items/s
}

TEST_F(JetsonDriverTest, UnsupportedPrecisionFailsBeforeLaunching) {
  std::unique_ptr<Driver> driver = MakeDriver();
  absl::StatusOr<RunResult> result = driver->Run(MakeRequest(dir_.path(), "INT8"), cancel_);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(result.status().message()), HasSubstr("supported are FP16, FP32"));
  EXPECT_TRUE(runner_.fake.specs.empty());
}

TEST_F(JetsonDriverTest, SweepValuesStayOneArgumentAndInsideTheModelDirectory) {
  std::unique_ptr<Driver> driver = MakeDriver();
  // With a slash the value could leave the model directory: rejected.
  absl::StatusOr<RunResult> rejected = driver->Run(MakeRequest(dir_.path(), "FP16", 1, "1; rm -rf /"), cancel_);
  EXPECT_EQ(rejected.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(runner_.fake.specs.empty());
  // Without one it is a (strange) file name, passed verbatim in one element.
  WriteTraceOnRun(kTrace);
  runner_.fake.AddExit(0, Summary(2));
  ASSERT_TRUE(driver->Run(MakeRequest(dir_.path(), "FP16", 1, "1; rm -rf $HOME"), cancel_).ok());
  EXPECT_EQ(runner_.fake.specs[0].argv[1], "--onnx=" + models_.Of("1; rm -rf $HOME-p12.5.onnx"));
  EXPECT_EQ(runner_.fake.specs[0].argv.size(), 9u);
}

TEST_F(JetsonDriverTest, AModelTheBoardDoesNotHaveIsAMeasurementFailureNotTheBoards) {
  std::unique_ptr<Driver> driver = MakeDriver();
  absl::StatusOr<RunResult> result = driver->Run(MakeRequest(dir_.path(), "FP16", 1, "GoogLeNetv1"), cancel_);
  // Not retried and not counted against the device: another experiment on
  // it may well have its model.
  EXPECT_EQ(result.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(result.status().message()),
              HasSubstr("jetson has no model GoogLeNetv1-p12.5.onnx on this device (no file " +
                        models_.Of("GoogLeNetv1-p12.5.onnx") +
                        "; .onnx files there: 1; rm -rf $HOME-p12.5.onnx, MLP-p12.5.onnx)"));
  EXPECT_TRUE(runner_.fake.specs.empty());

  // A prebuilt engine is looked for in the precision asked for.
  std::unique_ptr<Driver> engines = MakeDriver({{"model_format", "engine"}});
  result = engines->Run(MakeRequest(dir_.path(), "FP16"), cancel_);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(result.status().message()), HasSubstr(".engine files there: MLP-p12.5_fp32.engine)"));
  EXPECT_TRUE(runner_.fake.specs.empty());
}

TEST_F(JetsonDriverTest, CheckRefusesWhatRunWouldBeforeTheBoardIsTouched) {
  std::unique_ptr<Driver> driver = MakeDriver();
  EXPECT_TRUE(driver->Check(MakeRequest(dir_.path())).ok());
  const absl::Status int8 = driver->Check(MakeRequest(dir_.path(), "INT8"));
  EXPECT_EQ(int8.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(int8.message()), HasSubstr("jetson run 7: jetson cannot run precision INT8"));
  const absl::Status missing = driver->Check(MakeRequest(dir_.path(), "FP16", 1, "GoogLeNetv1"));
  EXPECT_EQ(missing.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(missing.message()), HasSubstr("jetson has no model GoogLeNetv1-p12.5.onnx"));
  EXPECT_TRUE(runner_.fake.specs.empty());  // neither trtexec nor nvpmodel
}

TEST_F(JetsonDriverTest, AMissingModelDirectoryIsTheBoardsProblem) {
  std::unique_ptr<Driver> driver = MakeDriver({{"model_dir", models_.Of("unmounted")}});
  absl::StatusOr<RunResult> result = driver->Run(MakeRequest(dir_.path()), cancel_);
  // Every run on the board would fail the same way: an infrastructure
  // failure, which quarantines the device when it repeats.
  EXPECT_EQ(result.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(result.status().message()),
              HasSubstr("jetson model_dir " + models_.Of("unmounted") + " is not a directory"));
  EXPECT_TRUE(runner_.fake.specs.empty());
}

TEST_F(JetsonDriverTest, TraceThatDisagreesWithTheSummaryIsRejected) {
  std::unique_ptr<Driver> driver = MakeDriver();
  WriteTraceOnRun(kTrace);
  runner_.fake.AddExit(0, Summary(5));
  absl::StatusOr<RunResult> result = driver->Run(MakeRequest(dir_.path()), cancel_);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInternal);
  EXPECT_THAT(std::string(result.status().message()), HasSubstr("trace has 2 queries after warm-up, its summary 5"));
}

TEST_F(JetsonDriverTest, MissingTraceAndToolFailuresAreInfrastructureErrors) {
  std::unique_ptr<Driver> driver = MakeDriver();
  runner_.fake.AddExit(0, Summary(2));  // no hook: no trace written
  EXPECT_EQ(driver->Run(MakeRequest(dir_.path()), cancel_).status().code(), absl::StatusCode::kDataLoss);

  runner_.fake.AddExit(1, ReadGolden("trtexec/failed.log"), "[E] Engine set up failed\n");
  absl::StatusOr<RunResult> failed = driver->Run(MakeRequest(dir_.path()), cancel_);
  EXPECT_EQ(failed.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(failed.status().message()), HasSubstr("exit code 1"));

  common::ProcessOutcome hung;
  hung.timed_out = true;
  hung.term_signal = 9;
  runner_.fake.results.emplace_back(hung);
  EXPECT_EQ(driver->Run(MakeRequest(dir_.path()), cancel_).status().code(), absl::StatusCode::kDeadlineExceeded);

  runner_.fake.AddExit(0, ReadGolden("trtexec/truncated.log"));
  WriteTraceOnRun(kTrace);
  EXPECT_EQ(driver->Run(MakeRequest(dir_.path()), cancel_).status().code(), absl::StatusCode::kDataLoss);
}

TEST_F(JetsonDriverTest, ProbeReadsVersionAndCurrentMode) {
  std::unique_ptr<Driver> driver = MakeDriver();
  runner_.fake.AddExit(0, ReadGolden("trtexec/help_trt8.txt"));
  runner_.fake.AddExit(0, "NV Power Mode: MAXQ\n1\n");
  absl::StatusOr<benchd::v1::Environment> environment = driver->Probe();
  ASSERT_TRUE(environment.ok()) << environment.status();
  EXPECT_THAT(Argvs(), ElementsAre(ElementsAre(kTrtexec, "--help"), ElementsAre("nvpmodel", "-q")));
  EXPECT_EQ(environment->entries().at("tensorrt_version"), "8.2.1");
  EXPECT_EQ(environment->entries().at("nvpmodel_name"), "MAXQ");
}

}  // namespace
}  // namespace benchd::agent
