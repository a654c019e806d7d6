#include "agents/drivers/driver_registry.h"

#include <algorithm>
#include <atomic>
#include <map>
#include <set>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/agents/fake_process_runner.h"

namespace benchd::agent {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(DriverRegistryTest, CreatesHostCpuDriverByName) {
  testing::FakeProcessRunner runner;
  absl::StatusOr<std::unique_ptr<Driver>> driver =
      CreateDriver("host-cpu", {{"runtime", "/bin/benchd-host-mlp"}, {"threads", "2"}}, runner);
  ASSERT_TRUE(driver.ok()) << driver.status();
  EXPECT_EQ((*driver)->Name(), "host-cpu");
}

TEST(DriverRegistryTest, UnknownNameListsKnownDrivers) {
  testing::FakeProcessRunner runner;
  absl::StatusOr<std::unique_ptr<Driver>> driver = CreateDriver("tpu-v9", {}, runner);
  EXPECT_EQ(driver.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(driver.status().message()), HasSubstr("'tpu-v9'"));
  EXPECT_THAT(std::string(driver.status().message()), HasSubstr("host-cpu"));
}

TEST(DriverRegistryTest, FactoryErrorsCarryTheDriverName) {
  testing::FakeProcessRunner runner;
  absl::StatusOr<std::unique_ptr<Driver>> driver =
      CreateDriver("host-cpu", {{"bogus", "1"}}, runner);
  EXPECT_EQ(driver.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(driver.status().message()), HasSubstr("create driver 'host-cpu'"));
}

TEST(DriverRegistryTest, TableIsSortedAndUnique) {
  const std::span<const DriverEntry> drivers = KnownDrivers();
  ASSERT_FALSE(drivers.empty());
  for (size_t i = 1; i < drivers.size(); ++i) EXPECT_LT(drivers[i - 1].name, drivers[i].name);
}

// A driver built from the registry with options that pass its factory, and
// parameters it can run with (model dir, bitstreams and tools are never
// reached: the fake runner answers any process with an error).
struct DriverCase {
  std::string driver;
  DriverOptions options;
  std::map<std::string, std::string> parameters;
};

std::vector<DriverCase> DriverCases() {
  return {
      {"bismo", {{"app", "/opt/bismo/app"}}, {{"topology", "MLP"}, {"precision", "INT2"}, {"batch", "1"}}},
      {"edgetpu",
       {{"model_dir", "/models"}},
       {{"precision", "INT8"}, {"topology", "MobileNetv1"}, {"clock", "fast"}, {"batch", "1"}}},
      {"finn", {{"bitstream_dir", "/opt/finn"}}, {{"topology", "MLP"}, {"precision", "W1A1"}, {"batch", "1"}}},
      {"host-cpu", {{"runtime", "/bin/benchd-host-mlp"}}, {{"precision", "FP32"}, {"batch", "1"}}},
      {"jetson",
       {{"model_dir", "/models"}},
       {{"precision", "FP16"}, {"topology", "MLP"}, {"power_mode", "maxn"}, {"batch", "1"}}},
      {"mcu-tflm",
       {{"build_command", R"(["make", "DTYPE={dtype}"])"},
        {"flash_command", R"(["flash", "{binary}"])"},
        {"serial_port", "/dev/ttyACM0"}},
       {{"platform", "nucleo-f767zi"}, {"model", "LeNet-MNIST"}, {"topology", "LeNet"}, {"dtype", "int8"}}},
      {"openvino", {{"model_dir", "/models"}}, {{"precision", "FP16"}, {"topology", "MLP"}, {"batch", "1"}}},
      {"vitis-dpu",
       {{"image_list", "/opt/images.txt"}},
       {{"topology", "ResNet-50"}, {"precision", "INT8"}, {"threads", "4"}}},
  };
}

// What Prepare then Run say of `parameters`: Prepare's error when it is about
// a parameter (its other errors, from tools the fake runner does not run,
// are not the point here), else Run's.
absl::Status FirstError(Driver& driver, const std::map<std::string, std::string>& parameters,
                        const std::string& work_dir) {
  RunRequest request;
  request.run_id = 1;
  request.config_key = "contract";
  request.work_dir = work_dir;
  request.settings.set_iterations(10);
  for (const auto& [name, value] : parameters) {
    benchd::v1::ParamValue& param = (*request.parameters.mutable_values())[name];
    if (!value.empty() && std::all_of(value.begin(), value.end(), ::isdigit)) {
      param.set_int_value(std::stoll(value));
    } else {
      param.set_string_value(value);
    }
  }
  std::atomic<bool> cancel{false};
  const absl::Status prepared = driver.Prepare(request, cancel).status();
  if (std::string(prepared.message()).find("parameter '") != std::string::npos) return prepared;
  return driver.Run(request, cancel).status();
}

// What a driver advertises as required (the coordinator then only offers the
// device experiments that have them) is what it cannot run without: each
// listed parameter, left out, fails the run naming it, and no other
// parameter does.
TEST(DriverContractTest, RequiredParametersAreExactlyThoseARunCannotDoWithout) {
  benchd::testing::TempDir work_dir;
  std::set<std::string> covered;
  for (const DriverCase& c : DriverCases()) {
    SCOPED_TRACE(c.driver);
    testing::FakeProcessRunner runner;
    absl::StatusOr<std::unique_ptr<Driver>> driver = CreateDriver(c.driver, c.options, runner);
    ASSERT_TRUE(driver.ok()) << driver.status();
    covered.insert(c.driver);
    const std::vector<std::string> required = (*driver)->RequiredParameters();
    EXPECT_FALSE(required.empty());
    for (const std::string& name : required) {
      ASSERT_TRUE(c.parameters.count(name)) << name;
      std::map<std::string, std::string> without = c.parameters;
      without.erase(name);
      const absl::Status status = FirstError(**driver, without, work_dir.path());
      EXPECT_THAT(std::string(status.message()), HasSubstr("parameter '" + name + "'")) << "without " << name;
    }
    for (const auto& [name, value] : c.parameters) {
      if (std::find(required.begin(), required.end(), name) != required.end()) continue;
      std::map<std::string, std::string> without = c.parameters;
      without.erase(name);
      const absl::Status status = FirstError(**driver, without, work_dir.path());
      EXPECT_THAT(std::string(status.message()), Not(HasSubstr("parameter '" + name + "' is required")))
          << "without " << name;
    }
  }
  // The command driver's list comes from its argv (command_driver_test).
  for (const DriverEntry& entry : KnownDrivers()) {
    if (entry.name != "command") {
      EXPECT_TRUE(covered.count(std::string(entry.name))) << entry.name;
    }
  }
}

}  // namespace
}  // namespace benchd::agent
