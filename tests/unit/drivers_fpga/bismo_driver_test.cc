#include "agents/drivers/bismo_driver.h"

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

RunRequest MakeRequest(const std::string& topology, const std::string& precision, int64_t batch, double pruning) {
  RunRequest request;
  request.run_id = 5;
  auto& values = *request.parameters.mutable_values();
  values["topology"].set_string_value(topology);
  values["precision"].set_string_value(precision);
  values["batch"].set_int_value(batch);
  values["pruning"].set_double_value(pruning);
  return request;
}

// Benchmark output: one instrumentation line per entry of `cycles` at 200 MHz,
// each with 10 µs of host time.
std::string Output(const std::vector<double>& cycles) {
  std::string out = "hw_fclk_mhz, hw_peak_perf_binops, mat_lhs_p2s_us, mat_rhs_p2s_us, run_cycles, "
                    "run_eff%_exec, workload_total_binops, \n";
  for (double c : cycles) out += "200, 6553.6, 6, 4, " + std::to_string(c) + ", 50, 1e+06, \n";
  return out;
}

class BismoDriverTest : public ::testing::Test {
 protected:
  void SetUp() override { work_dir_ = testing::FreshDir("bismo_driver"); }
  std::unique_ptr<Driver> MakeDriver() {
    absl::StatusOr<std::unique_ptr<Driver>> driver = BismoDriver::Create(
        {{"app", "/home/xilinx/bismo/app"}}, runner_);
    EXPECT_TRUE(driver.ok()) << driver.status();
    return driver.ok() ? *std::move(driver) : nullptr;
  }
  RunRequest Request(const std::string& precision, int64_t batch, int warmup, int iterations) {
    RunRequest request = MakeRequest("MLP", precision, batch, 12.5);
    request.work_dir = work_dir_;
    request.settings.set_warmup(warmup);
    request.settings.set_iterations(iterations);
    return request;
  }

  std::string work_dir_;
  FakeProcessRunner runner_;
  std::atomic<bool> cancel_{false};
};

TEST_F(BismoDriverTest, FeedsTheNetworkLayerByLayerThroughStdin) {
  std::unique_ptr<Driver> driver = MakeDriver();
  // Warm-up inference, then two timed ones: 4 MLP layers each.
  runner_.AddExit(0, Output({1, 1, 1, 1, 9000, 6000, 6000, 2400, 10000, 6000, 6000, 2400}));
  absl::StatusOr<RunResult> result = driver->Run(Request("INT2", 8, 1, 2), cancel_);
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(runner_.specs.size(), 1u);
  const std::string input = work_dir_ + "/bismo-repeat-0.in";
  EXPECT_THAT(runner_.specs[0].argv, ElementsAre("/home/xilinx/bismo/app", "b"));
  EXPECT_EQ(runner_.specs[0].stdin_path, input);
  EXPECT_EQ(runner_.specs[0].working_dir, work_dir_);
  // rows depth cols lhsbits rhsbits: MLP at 12.5 % has 256 hidden units.
  const std::string inference = "256 784 8 2 2\n256 256 8 2 2\n256 256 8 2 2\n10 256 8 2 2\n";
  EXPECT_EQ(runner_.inputs[0], inference + inference + inference + "0\n");

  ASSERT_EQ(result->repeats.size(), 1u);
  EXPECT_EQ(result->repeats[0].kind, benchd::v1::LATENCY_KIND_COMPUTE);
  EXPECT_THAT(result->repeats[0].latency_us, ElementsAre(117.0, 122.0));  // 23400 and 24400 cycles at 200 MHz
  const benchd::v1::RunSummary& summary = result->summary;
  EXPECT_DOUBLE_EQ(summary.latency().mean_us(), 119.5);
  EXPECT_DOUBLE_EQ(summary.fps(), 8 * 1e6 / 119.5);
  // MLP at 12.5 %: 784x256 + 2 x 256x256 + 256x10 multiply-accumulates, 2 operations each.
  EXPECT_NEAR(summary.gops(), 668672.0 * 8 / 119.5e-6 / 1e9, 1e-9);
  EXPECT_EQ(summary.inferences(), 16);
  std::map<std::string, double> extra;
  for (const auto& metric : summary.extra()) extra[metric.name()] = metric.value();
  EXPECT_EQ(extra.at("bits"), 2);
  EXPECT_EQ(extra.at("layers"), 4);
  EXPECT_DOUBLE_EQ(extra.at("host_overhead_us"), 40);  // 4 multiplies x 10 µs
  EXPECT_DOUBLE_EQ(extra.at("hw_peak_binary_gops"), 6553.6);
  EXPECT_DOUBLE_EQ(extra.at("fclk_mhz"), 200);
  EXPECT_DOUBLE_EQ(extra.at("exec_efficiency_pct"), 50);
  EXPECT_DOUBLE_EQ(extra.at("achieved_binary_gops"), 8e6 / (239 * 1e3));
  EXPECT_THAT(testing::ReadFileOrEmpty(work_dir_ + "/bismo-repeat-0.stdout"), HasSubstr("run_cycles"));
}

TEST_F(BismoDriverTest, AcceleratorTimeCountedBackFromTheExitPlacesTheWindows) {
  std::unique_ptr<Driver> driver = MakeDriver();
  // Warm-up inference of 40 µs, then timed ones of 117 and 122 µs; the
  // program ran 1 s and ended at 5 s.
  runner_.AddExit(0, Output({2000, 2000, 2000, 2000, 9000, 6000, 6000, 2400, 10000, 6000, 6000, 2400}));
  runner_.TimeLast(5'000'000'000, std::chrono::seconds(1));
  absl::StatusOr<RunResult> result = driver->Run(Request("INT2", 8, 1, 2), cancel_);
  ASSERT_TRUE(result.ok()) << result.status();
  using power::Phase;
  const std::vector<std::pair<Phase, int64_t>> expected = {{Phase::kIdle, 4'000'000'000},
                                                           {Phase::kWarmup, 5'000'000'000 - 239'000 - 40'000},
                                                           {Phase::kMeasure, 5'000'000'000 - 239'000},
                                                           {Phase::kCooldown, 5'000'000'000}};
  ASSERT_EQ(result->phases.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(result->phases[i].phase, expected[i].first) << i;
    EXPECT_NEAR(result->phases[i].t_ns, expected[i].second, 1) << i;
  }
}

TEST_F(BismoDriverTest, CnvIsLoweredWithIm2col) {
  std::unique_ptr<Driver> driver = MakeDriver();
  RunRequest request = Request("INT4", 2, 0, 1);  // warmup 0: the default of one
  (*request.parameters.mutable_values())["topology"].set_string_value("CNV");
  (*request.parameters.mutable_values())["pruning"].set_int_value(25);
  runner_.AddExit(0, Output(std::vector<double>(18, 100)));  // 2 inferences x 9 layers
  absl::StatusOr<RunResult> result = driver->Run(request, cancel_);
  ASSERT_TRUE(result.ok()) << result.status();
  // 25 %: 32 channels first; columns are output pixels x batch 2.
  EXPECT_THAT(runner_.inputs[0], ::testing::StartsWith("32 27 1800 4 4\n32 288 1568 4 4\n64 288 288 4 4\n"));
  EXPECT_THAT(runner_.inputs[0], ::testing::EndsWith("256 256 2 4 4\n10 256 2 4 4\n0\n"));
  EXPECT_THAT(result->repeats[0].latency_us, ElementsAre(4.5));  // 9 x 100 cycles at 200 MHz
}

TEST_F(BismoDriverTest, FailuresAreClassified) {
  std::unique_ptr<Driver> driver = MakeDriver();
  runner_.AddExit(0, testing::ReadGolden("bismo", "exception.txt"));
  absl::StatusOr<RunResult> exception = driver->Run(Request("INT2", 8, 0, 1), cancel_);
  EXPECT_EQ(exception.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(exception.status().message()), HasSubstr("bismo run 5 repeat 0"));
  EXPECT_THAT(std::string(exception.status().message()), HasSubstr("LHS is too large"));

  runner_.AddExit(0, Output({1, 2, 3}));  // one warm-up and one timed inference: 8 multiplies asked for
  absl::StatusOr<RunResult> short_output = driver->Run(Request("INT2", 8, 0, 1), cancel_);
  EXPECT_EQ(short_output.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(short_output.status().message()), HasSubstr("3 results for 8 multiplies"));

  runner_.AddExit(0, testing::ReadGolden("bismo", "garbage.txt"));
  EXPECT_EQ(driver->Run(Request("INT2", 8, 0, 1), cancel_).status().code(), absl::StatusCode::kDataLoss);

  runner_.AddExit(125, "", "app: cannot open the overlay\n");
  absl::StatusOr<RunResult> crashed = driver->Run(Request("INT2", 8, 0, 1), cancel_);
  EXPECT_EQ(crashed.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(crashed.status().message()), HasSubstr("exit code 125"));
}

TEST_F(BismoDriverTest, UnsupportedValuesFailBeforeLaunch) {
  std::unique_ptr<Driver> driver = MakeDriver();
  EXPECT_EQ(driver->Run(Request("INT16", 1, 0, 1), cancel_).status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(driver->Run(Request("FP32", 1, 0, 1), cancel_).status().code(), absl::StatusCode::kFailedPrecondition);
  RunRequest resnet = Request("INT2", 1, 0, 1);
  (*resnet.parameters.mutable_values())["topology"].set_string_value("1; rm -rf /");
  absl::StatusOr<RunResult> injected = driver->Run(resnet, cancel_);
  EXPECT_EQ(injected.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(injected.status().message()), HasSubstr("no layer table for topology '1; rm -rf /'"));
  RunRequest cnv30 = Request("INT2", 1, 0, 1);
  (*cnv30.parameters.mutable_values())["topology"].set_string_value("CNV");
  (*cnv30.parameters.mutable_values())["pruning"].set_int_value(30);
  EXPECT_EQ(driver->Run(cnv30, cancel_).status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(driver->Run(Request("INT2", 5000, 0, 1), cancel_).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(runner_.specs.empty());
}

TEST_F(BismoDriverTest, ProbeBenchmarksOneMultiplyToReadTheOverlay) {
  std::unique_ptr<Driver> driver = MakeDriver();
  runner_.AddExit(0, Output({500}));
  absl::StatusOr<benchd::v1::Environment> environment = driver->Probe();
  ASSERT_TRUE(environment.ok()) << environment.status();
  EXPECT_EQ(runner_.specs[0].argv[0], "/home/xilinx/bismo/app");
  EXPECT_EQ(runner_.inputs[0], "8 256 8 1 1\n0\n");
  EXPECT_FALSE(std::filesystem::exists(runner_.specs[0].stdin_path));  // the temporary input is gone
  EXPECT_EQ(environment->entries().at("hw_fclk_mhz"), "200");
  EXPECT_EQ(environment->entries().at("hw_peak_perf_binops"), "6553.6");
  runner_.AddExit(255, "Run with cmdline argument: \n");
  EXPECT_EQ(driver->Probe().status().code(), absl::StatusCode::kUnavailable);
}

TEST(BismoDriverCreateTest, ValidatesOptions) {
  FakeProcessRunner runner;
  EXPECT_THAT(std::string(BismoDriver::Create({}, runner).status().message()), HasSubstr("'app' is required"));
  EXPECT_EQ(BismoDriver::Create({{"app", ""}}, runner).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(BismoDriver::Create({{"app", "a"}, {"bits", "2"}}, runner).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace benchd::agent
