// The mcu-tflm driver against the MCU simulators (agents/sim/mcu): real
// build and flash processes, a real pseudo-terminal, both protocols, and the
// failure modes a board shows.

#include "agents/drivers/mcu_tflm_driver.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/drivers_mcu/sim_board.h"

namespace benchd::agent {
namespace {

using ::testing::Each;
using ::testing::HasSubstr;
using ::testing::SizeIs;
using testing::SimBoard;

// The MCU study's means (agents/sim/data/mcu_tflm_latency_ms.csv), in us.
constexpr double kLeNetInt8F767Us = 8045.5337;
constexpr double kLeNetFloat32F767Us = 19967.1834;

benchd::v1::ParamValue Str(const std::string& text) {
  benchd::v1::ParamValue value;
  value.set_string_value(text);
  return value;
}

benchd::v1::ParamValue Bool(bool flag) {
  benchd::v1::ParamValue value;
  value.set_bool_value(flag);
  return value;
}

class McuTflmDriverTest : public ::testing::Test {
 protected:
  std::unique_ptr<Driver> MakeDriver(const SimBoard& board, const std::string& protocol, DriverOptions extra = {}) {
    DriverOptions options = {{"build_command", SimBoard::BuildCommand(protocol)},
                             {"flash_command", board.FlashCommand()},
                             {"serial_port", board.tty()},
                             {"protocol", protocol},
                             {"ready_timeout", "10s"},
                             {"read_timeout", "2s"}};
    for (auto& [key, value] : extra) options[key] = value;
    absl::StatusOr<std::unique_ptr<Driver>> driver = McuTflmDriver::Create(options, runner_);
    EXPECT_TRUE(driver.ok()) << driver.status();
    return driver.ok() ? *std::move(driver) : nullptr;
  }

  RunRequest Request(const std::string& platform, const std::string& topology, const std::string& dataset,
                     const std::string& dtype, int iterations = 20) {
    RunRequest request;
    request.run_id = ++run_id_;
    auto& values = *request.parameters.mutable_values();
    values["platform"] = Str(platform);
    values["topology"] = Str(topology);
    values["dataset"] = Str(dataset);
    values["dtype"] = Str(dtype);
    values["cmsis_nn"] = Bool(true);
    request.settings.set_warmup(3);
    request.settings.set_iterations(iterations);
    request.settings.set_timeout_ms(60'000);
    request.work_dir = dir_.path() + "/run-" + std::to_string(request.run_id);
    return request;
  }

  benchd::testing::TempDir dir_;
  common::BoostProcessRunner runner_;
  std::atomic<bool> cancel_{false};
  int64_t run_id_ = 0;
};

TEST_F(McuTflmDriverTest, TflmProtocolMeasuresThePublishedLatency) {
  SimBoard board(dir_.path(), "f767");
  ASSERT_TRUE(board.ok());
  auto driver = MakeDriver(board, "tflm");
  ASSERT_NE(driver, nullptr);
  ASSERT_TRUE(driver->Probe().ok());

  const RunRequest int8 = Request("nucleo-f767zi", "LeNet", "MNIST", "int8");
  absl::StatusOr<benchd::v1::Environment> prepared = driver->Prepare(int8, cancel_);
  ASSERT_TRUE(prepared.ok()) << prepared.status() << board.Log();
  EXPECT_THAT(prepared->entries().at("firmware_sha256"), SizeIs(64));
  EXPECT_EQ(prepared->entries().at("clock_hz"), "216000000");
  EXPECT_EQ(prepared->entries().at("firmware.arena_used_bytes"), "8448");

  absl::StatusOr<RunResult> result = driver->Run(int8, cancel_);
  ASSERT_TRUE(result.ok()) << result.status() << board.Log();
  ASSERT_EQ(result->repeats.size(), 1u);
  EXPECT_EQ(result->repeats[0].kind, benchd::v1::LATENCY_KIND_COMPUTE);
  ASSERT_THAT(result->repeats[0].latency_us, SizeIs(20));
  // Ticks are whole cycles: within half a cycle of the published figure.
  EXPECT_THAT(result->repeats[0].latency_us, Each(::testing::DoubleNear(kLeNetInt8F767Us, 0.01)));
  EXPECT_NEAR(result->summary.fps(), 1e6 / kLeNetInt8F767Us, 0.01);
  EXPECT_GT(result->summary.gops(), 0);
  std::map<std::string, double> extras;
  for (const auto& metric : result->summary.extra()) extras[metric.name()] = metric.value();
  EXPECT_EQ(extras.at("arena_size_bytes"), 8448);
  EXPECT_EQ(extras.at("model_size_bytes"), 68656);
  EXPECT_GT(extras.at("binary_size_bytes"), extras.at("model_size_bytes"));
  EXPECT_EQ(result->environment.entries().at("firmware_sha256"), prepared->entries().at("firmware_sha256"));

  // A different dtype needs other firmware: Run notices and reflashes.
  absl::StatusOr<RunResult> float32 = driver->Run(Request("nucleo-f767zi", "LeNet", "MNIST", "float32"), cancel_);
  ASSERT_TRUE(float32.ok()) << float32.status();
  EXPECT_NEAR(float32->summary.latency().mean_us(), kLeNetFloat32F767Us, 0.01);
  EXPECT_NE(float32->environment.entries().at("firmware_sha256"), prepared->entries().at("firmware_sha256"));
}

TEST_F(McuTflmDriverTest, EnergyRunnerProtocolMeasuresThePublishedLatency) {
  SimBoard board(dir_.path(), "f767er");
  ASSERT_TRUE(board.ok());
  auto driver = MakeDriver(board, "energyrunner");
  ASSERT_NE(driver, nullptr);
  absl::StatusOr<RunResult> result = driver->Run(Request("nucleo-f767zi", "LeNet", "MNIST", "int8", 10), cancel_);
  ASSERT_TRUE(result.ok()) << result.status() << board.Log();
  // Laps are whole microseconds.
  EXPECT_THAT(result->repeats[0].latency_us, SizeIs(10));
  EXPECT_THAT(result->repeats[0].latency_us, Each(::testing::DoubleNear(kLeNetInt8F767Us, 0.5)));
  EXPECT_EQ(result->environment.entries().at("dut_model"), "LeNet-MNIST");
  EXPECT_EQ(result->environment.entries().at("dut_name"), "dut-[benchd-sim NUCLEO-F767ZI]");
}

TEST_F(McuTflmDriverTest, ModelThatDoesNotFitFailsTheBuild) {
  SimBoard board(dir_.path(), "l496");
  ASSERT_TRUE(board.ok());
  auto driver = MakeDriver(board, "tflm");
  ASSERT_NE(driver, nullptr);
  absl::StatusOr<RunResult> result =
      driver->Run(Request("nucleo-l496zg", "ResNet20", "CIFAR-10", "float32"), cancel_);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kFailedPrecondition) << result.status();
  EXPECT_THAT(std::string(result.status().message()), HasSubstr("region `RAM' overflowed by"));
}

TEST_F(McuTflmDriverTest, ArenaAllocationFailureOnTheBoardIsAMeasurementFailure) {
  SimBoard board(dir_.path(), "nofit", "no-fit");
  ASSERT_TRUE(board.ok());
  auto driver = MakeDriver(board, "tflm");
  ASSERT_NE(driver, nullptr);
  absl::StatusOr<benchd::v1::Environment> prepared =
      driver->Prepare(Request("nucleo-f767zi", "LeNet", "MNIST", "int8"), cancel_);
  EXPECT_EQ(prepared.status().code(), absl::StatusCode::kFailedPrecondition) << prepared.status();
  EXPECT_THAT(std::string(prepared.status().message()), HasSubstr("Arena size is too small"));
}

TEST_F(McuTflmDriverTest, BoardThatStopsAnsweringIsDeadlineExceeded) {
  for (const std::string protocol : {"tflm", "energyrunner"}) {
    SimBoard board(dir_.path(), "silent-" + protocol);
    ASSERT_TRUE(board.ok());
    auto driver = MakeDriver(board, protocol, {{"sim_failure", "no-answer"}, {"read_timeout", "300ms"}});
    ASSERT_NE(driver, nullptr);
    absl::StatusOr<RunResult> result = driver->Run(Request("nucleo-f767zi", "LeNet", "MNIST", "int8"), cancel_);
    EXPECT_EQ(result.status().code(), absl::StatusCode::kDeadlineExceeded) << protocol << ": " << result.status();
    EXPECT_THAT(std::string(result.status().message()), HasSubstr("stopped answering")) << protocol;
  }
}

TEST_F(McuTflmDriverTest, TruncatedAnswerIsDeadlineExceeded) {
  SimBoard board(dir_.path(), "truncate");
  ASSERT_TRUE(board.ok());
  auto driver = MakeDriver(board, "energyrunner", {{"sim_failure", "truncate"}, {"read_timeout", "300ms"}});
  ASSERT_NE(driver, nullptr);
  absl::StatusOr<RunResult> result = driver->Run(Request("nucleo-f767zi", "LeNet", "MNIST", "int8"), cancel_);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kDeadlineExceeded) << result.status();
}

TEST_F(McuTflmDriverTest, GarbageOnTheLineIsDataLoss) {
  for (const std::string protocol : {"tflm", "energyrunner"}) {
    SimBoard board(dir_.path(), "garbage-" + protocol);
    ASSERT_TRUE(board.ok());
    auto driver = MakeDriver(board, protocol, {{"sim_failure", "garbage"}});
    ASSERT_NE(driver, nullptr);
    absl::StatusOr<RunResult> result = driver->Run(Request("nucleo-f767zi", "LeNet", "MNIST", "int8"), cancel_);
    EXPECT_EQ(result.status().code(), absl::StatusCode::kDataLoss) << protocol << ": " << result.status();
  }
}

TEST_F(McuTflmDriverTest, ParametersAreValidated) {
  SimBoard board(dir_.path(), "params");
  ASSERT_TRUE(board.ok());
  auto driver = MakeDriver(board, "tflm");
  ASSERT_NE(driver, nullptr);
  RunRequest request = Request("nucleo-f767zi", "LeNet", "MNIST", "int4");
  EXPECT_EQ(driver->Run(request, cancel_).status().code(), absl::StatusCode::kInvalidArgument);
  request = Request("nucleo-f767zi", "LeNet", "MNIST", "int8");
  (*request.parameters.mutable_values())["opt"] = Str("-O9");
  EXPECT_EQ(driver->Run(request, cancel_).status().code(), absl::StatusCode::kInvalidArgument);
  request = Request("nucleo-f767zi", "LeNet", "MNIST", "int8");
  (*request.parameters.mutable_values())["fpu"] = Str("yes");
  EXPECT_EQ(driver->Run(request, cancel_).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(McuTflmDriverOptionsTest, OptionErrorsAndProbe) {
  common::BoostProcessRunner runner;
  const DriverOptions good = {{"build_command", R"(["/bin/true", "{board}"])"},
                              {"flash_command", "st-flash"},
                              {"serial_port", "/dev/does-not-exist-tty"}};
  auto with = [&](const std::string& key, const std::string& value) {
    DriverOptions options = good;
    options[key] = value;
    return McuTflmDriver::Create(options, runner).status().code();
  };
  EXPECT_EQ(with("bogus", "1"), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(with("protocol", "uart"), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(with("baud", "12345"), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(with("flash_command", "jlink"), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(with("build_command", R"(["make", "{batch}"])"), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(with("read_timeout", "5"), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(with("serial_port", ""), absl::StatusCode::kInvalidArgument);
  absl::StatusOr<std::unique_ptr<Driver>> driver = McuTflmDriver::Create(good, runner);
  ASSERT_TRUE(driver.ok()) << driver.status();
  EXPECT_EQ((*driver)->Probe().status().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace benchd::agent
