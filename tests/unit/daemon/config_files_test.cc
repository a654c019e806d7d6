// Every configuration file shipped in configs/ loads: a broken example is a
// bug users meet first.

#include <filesystem>

#include <gtest/gtest.h>

#include "agents/core/agent_config.h"
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
