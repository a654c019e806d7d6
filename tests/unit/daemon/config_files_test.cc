// Every configuration file shipped in configs/ loads: a broken example is a
// bug users meet first.

#include <filesystem>
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "absl/strings/str_replace.h"
#include "agents/core/agent_config.h"
#include "agents/drivers/driver_registry.h"
#include "common/process_runner.h"
#include "common/platform_catalog.h"
#include "common/sweep/sweep_expander.h"
#include "common/sweep/sweep_parser.h"
#include "common/yaml_reader.h"
#include "daemon/core/daemon_config.h"

namespace benchd {
namespace {

const std::string kConfigs = std::string(BENCHD_SOURCE_DIR) + "/configs";

TEST(ConfigFilesTest, ExampleDaemonAndAgentConfigurationsLoad) {
  auto daemon = daemon::LoadDaemonConfig(kConfigs + "/daemon.example.yaml");
  ASSERT_TRUE(daemon.ok()) << daemon.status();
  EXPECT_TRUE(daemon::ValidateDaemonConfig(*daemon).ok());
  auto agent = agent::LoadAgentConfig(kConfigs + "/agent.example.yaml");
  ASSERT_TRUE(agent.ok()) << agent.status();
  EXPECT_EQ(agent->devices.size(), 1u);
}

// The simulated lab that scripts/demo.sh starts: the file, with @DEMO_DIR@
// replaced as the demo does, loads, and every device's driver accepts its
// options (creating a driver validates them; it launches nothing).
TEST(ConfigFilesTest, SimlabAgentConfigurationLoadsAndEveryDriverAcceptsItsOptions) {
  auto text = common::ReadTextFile(kConfigs + "/agents/simlab.yaml", 1 << 20);
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_NE(text->find("@DEMO_DIR@"), std::string::npos);
  const std::string demo_dir = (std::filesystem::temp_directory_path() / "benchd-simlab-config-test").string();
  const std::string substituted = absl::StrReplaceAll(*text, {{"@DEMO_DIR@", demo_dir}});
  auto config = agent::ParseAgentConfig(substituted, "simlab.yaml");
  ASSERT_TRUE(config.ok()) << config.status();

  // One device of every seed platform.
  std::set<std::string> platforms;
  for (const agent::DeviceConfig& device : config->devices) platforms.insert(device.platform);
  EXPECT_EQ(platforms, (std::set<std::string>{"host-cpu", "tx2", "ncs2", "edgetpu", "zcu102-dpu", "zcu104-dpu",
                                              "ultra96-dpu", "zcu104-finn", "zcu104-bismo", "nucleo-l496zg",
                                              "disco-f469ni", "nucleo-f767zi"}));
  EXPECT_EQ(config->devices.size(), platforms.size());

  common::BoostProcessRunner runner;
  for (const agent::DeviceConfig& device : config->devices) {
    SCOPED_TRACE(device.name);
    auto driver = agent::CreateDriver(device.driver, device.options, runner);
    EXPECT_TRUE(driver.ok()) << driver.status();
    // Every path that depends on where the demo runs was substituted.
    for (const auto& [key, value] : device.options) {
      EXPECT_EQ(value.find("@DEMO_DIR@"), std::string::npos) << key;
    }
  }
}

// README.md's "Attaching real devices" examples are configurations the
// drivers accept: the documentation cannot drift from the option names.
TEST(ConfigFilesTest, ReadmeDeviceExamplesAreAcceptedByTheirDrivers) {
  auto readme = common::ReadTextFile(std::string(BENCHD_SOURCE_DIR) + "/README.md", 1 << 20);
  ASSERT_TRUE(readme.ok()) << readme.status();
  const size_t begin = readme->find("## Attaching real devices");
  ASSERT_NE(begin, std::string::npos);
  const size_t end = readme->find("\n## ", begin);
  const std::string section = readme->substr(begin, end == std::string::npos ? std::string::npos : end - begin);
  std::string devices;
  int blocks = 0;
  for (size_t at = section.find("```yaml\n"); at != std::string::npos; at = section.find("```yaml\n", at)) {
    at += 8;
    const size_t close = section.find("```", at);
    ASSERT_NE(close, std::string::npos);
    devices += section.substr(at, close - at);
    at = close + 3;
    ++blocks;
  }
  EXPECT_GE(blocks, 8);
  auto config = agent::ParseAgentConfig("agent:\n  name: readme\ndevices:\n" + devices, "README.md");
  ASSERT_TRUE(config.ok()) << config.status();
  common::BoostProcessRunner runner;
  for (const agent::DeviceConfig& device : config->devices) {
    SCOPED_TRACE(device.name);
    auto driver = agent::CreateDriver(device.driver, device.options, runner);
    EXPECT_TRUE(driver.ok()) << driver.status();
  }
}

TEST(ConfigFilesTest, EverySweepPlans) {
  auto catalog = common::PlatformCatalog::Builtin();
  ASSERT_TRUE(catalog.ok()) << catalog.status();
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(kConfigs + "/sweeps")) {
    if (entry.path().extension() != ".yaml") continue;
    ++files;
    auto text = common::ReadTextFile(entry.path().string(), 1 << 20);
    ASSERT_TRUE(text.ok()) << text.status();
    auto spec = common::ParseSweep(*text, entry.path().filename().string());
    ASSERT_TRUE(spec.ok()) << spec.status();
    auto expansion = common::ExpandSweep(*spec, *catalog);
    EXPECT_TRUE(expansion.ok()) << entry.path() << ": " << expansion.status();
  }
  EXPECT_GE(files, 1);
}

}  // namespace
}  // namespace benchd
