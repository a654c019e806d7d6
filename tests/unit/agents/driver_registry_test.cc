#include "agents/drivers/driver_registry.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/unit/agents/fake_process_runner.h"

namespace benchd::agent {
namespace {

using ::testing::HasSubstr;

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

}  // namespace
}  // namespace benchd::agent
