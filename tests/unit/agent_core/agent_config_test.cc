#include "agents/core/agent_config.h"

#include <gtest/gtest.h>

namespace benchd::agent {
namespace {

TEST(AgentConfigTest, ParsesAgentAndDevices) {
  auto config = ParseAgentConfig(R"(agent:
  name: bench-3
  coordinator: benchd.lab:7700
  spool_dir: /var/spool/x
  reconnect_max: 10s
devices:
  - name: cpu0
    driver: host-cpu
    platform: host-cpu
    labels: {arch: x86_64}
    options: {threads: "4"}
)",
                                 "agent.yaml");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->name, "bench-3");
  EXPECT_EQ(config->coordinator, "benchd.lab:7700");
  EXPECT_EQ(config->reconnect_max, std::chrono::seconds(10));
  ASSERT_EQ(config->devices.size(), 1u);
  EXPECT_EQ(config->devices[0].labels.at("arch"), "x86_64");
  EXPECT_EQ(config->devices[0].options.at("threads"), "4");
}

struct BadConfig {
  const char* text;
  const char* message;
};

// Names the case in test listings by what it checks.
void PrintTo(const BadConfig& bad, std::ostream* os) {
  const std::string message = bad.message;
  const size_t start = message.find(": ") + 2;
  *os << message.substr(start, message.find(':', start) - start);
}

class AgentConfigErrorTest : public ::testing::TestWithParam<BadConfig> {};

TEST_P(AgentConfigErrorTest, SaysWhereAndWhy) {
  auto config = ParseAgentConfig(GetParam().text, "agent.yaml");
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(std::string(config.status().message()), GetParam().message);
}

INSTANTIATE_TEST_SUITE_P(
    Errors, AgentConfigErrorTest,
    ::testing::Values(
        BadConfig{"agent: {name: a}\n", "agent.yaml:1:1: devices: expected a non-empty list of devices"},
        BadConfig{"devices:\n  - name: d\n    driver: host-cpu\n",
                  "agent.yaml:2:5: devices[0].platform: missing"},
        BadConfig{"devices:\n  - {name: d, driver: x, platform: y, colour: red}\n",
                  "agent.yaml:2:39: devices[0].colour: unknown key 'colour' (expected one of: name, driver, platform, "
                  "labels, options)"},
        BadConfig{"devices:\n  - {name: d, driver: x, platform: y}\n  - {name: d, driver: x, platform: y}\n",
                  "agent.yaml:3:12: devices[1].name: device name 'd' is used twice"},
        BadConfig{"agent: {reconnect_max: soon}\ndevices: [{name: d, driver: x, platform: y}]\n",
                  "agent.yaml:1:24: agent.reconnect_max: invalid duration 'soon' (expected e.g. 500ms, 5s, 10m, 1h30m)"},
        BadConfig{"devices:\n  - {name: d, driver: x, platform: y, options: {threads: [1]}}\n",
                  "agent.yaml:2:58: devices[0].options.threads: expected a string, got a list"}));

}  // namespace
}  // namespace benchd::agent
