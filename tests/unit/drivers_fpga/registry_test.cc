#include "agents/drivers/driver_registry.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/unit/drivers_fpga/fake_process_runner.h"

namespace benchd::agent {
namespace {

TEST(FpgaDriverRegistryTest, FpgaDriversAreInTheTable) {
  testing::FakeProcessRunner runner;
  for (const auto& [name, options] : std::vector<std::pair<std::string, DriverOptions>>{
           {"vitis-dpu", {{"image_list", "/images.list"}}},
           {"finn", {{"bitstream_dir", "/opt/finn"}}},
           {"bismo", {{"app", "/opt/bismo/app"}}}}) {
    absl::StatusOr<std::unique_ptr<Driver>> driver = CreateDriver(name, options, runner);
    ASSERT_TRUE(driver.ok()) << name << ": " << driver.status();
    EXPECT_EQ((*driver)->Name(), name);
  }
  absl::StatusOr<std::unique_ptr<Driver>> bad = CreateDriver("finn", {}, runner);
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(bad.status().message()), ::testing::HasSubstr("create driver 'finn'"));
}

}  // namespace
}  // namespace benchd::agent
