#include "agents/core/agent_config.h"

#include <gmock/gmock.h>
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

TEST(AgentConfigTest, ParsesHealthCheckAndDomains) {
  auto config = ParseAgentConfig(R"(devices:
  - name: tx2
    driver: jetson
    platform: tx2
    health_check: [/usr/bin/tegrastats-probe, --once, "a b"]
    health_check_timeout: 5s
    domains:
      batch: [1, 8]
      pruning: [12.5, 100]
      precision: [FP16, "INT8"]
      sparse: [true]
  - name: cpu0
    driver: host-cpu
    platform: host-cpu
)",
                                 "agent.yaml");
  ASSERT_TRUE(config.ok()) << config.status();
  const DeviceConfig& tx2 = config->devices[0];
  EXPECT_EQ(tx2.health_check, (std::vector<std::string>{"/usr/bin/tegrastats-probe", "--once", "a b"}));
  EXPECT_EQ(tx2.health_check_timeout, std::chrono::seconds(5));
  using Values = std::vector<std::string>;
  EXPECT_EQ(tx2.domains.at("batch"), (Values{"1", "8"}));
  EXPECT_EQ(tx2.domains.at("pruning"), (Values{"12.5", "100"}));
  EXPECT_EQ(tx2.domains.at("precision"), (Values{"FP16", "INT8"}));
  EXPECT_EQ(tx2.domains.at("sparse"), (Values{"true"}));
  // Defaults: no check, 30 s when one is configured, no narrower domains.
  const DeviceConfig& cpu = config->devices[1];
  EXPECT_TRUE(cpu.health_check.empty());
  EXPECT_EQ(cpu.health_check_timeout, std::chrono::seconds(30));
  EXPECT_TRUE(cpu.domains.empty());
}

TEST(AgentConfigTest, APlatformNoSweepCouldNameIsAnErrorAtItsPlace) {
  auto config = ParseAgentConfig("devices:\n  - {name: d, driver: host-cpu, platform: host-cpux}\n", "agent.yaml");
  ASSERT_FALSE(config.ok());
  const std::string message(config.status().message());
  EXPECT_THAT(message, ::testing::StartsWith("agent.yaml:2:43: devices[0].platform: unknown platform 'host-cpux' "
                                             "(known: custom, "));
  EXPECT_THAT(message, ::testing::HasSubstr(", host-cpu, "));
  EXPECT_THAT(message, ::testing::EndsWith("; `custom` for any other device): no sweep could name it, so the device "
                                           "would get no work"));
  EXPECT_TRUE(ParseAgentConfig("devices:\n  - {name: d, driver: command, platform: custom}\n", "agent.yaml").ok());
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
                  "labels, options, health_check, health_check_timeout, domains, power, sensors)"},
        BadConfig{"devices:\n  - {name: d, driver: x, platform: host-cpu}\n  - {name: d, driver: x, platform: host-cpu}\n",
                  "agent.yaml:3:12: devices[1].name: device name 'd' is used twice"},
        BadConfig{"agent: {reconnect_max: soon}\ndevices: [{name: d, driver: x, platform: y}]\n",
                  "agent.yaml:1:24: agent.reconnect_max: invalid duration 'soon' (expected e.g. 500ms, 5s, 10m, 1h30m)"},
        BadConfig{"devices:\n  - {name: d, driver: x, platform: y, options: {threads: [1]}}\n",
                  "agent.yaml:2:58: devices[0].options.threads: expected a string, got a list"},
        BadConfig{"devices:\n  - {name: d, driver: x, platform: y, health_check: /bin/selftest}\n",
                  "agent.yaml:2:53: devices[0].health_check: expected a non-empty list: the program and its arguments"},
        BadConfig{"devices:\n  - {name: d, driver: x, platform: y, health_check: []}\n",
                  "agent.yaml:2:53: devices[0].health_check: expected a non-empty list: the program and its arguments"},
        BadConfig{"devices:\n  - {name: d, driver: x, platform: y, health_check: [a, {b: c}]}\n",
                  "agent.yaml:2:57: devices[0].health_check[1]: expected a string, got a map"},
        BadConfig{"devices:\n  - {name: d, driver: x, platform: y, health_check: [\"\"]}\n",
                  "agent.yaml:2:54: devices[0].health_check[0]: expected a program, got an empty string"},
        BadConfig{"devices:\n  - {name: d, driver: x, platform: y, health_check_timeout: [1]}\n",
                  "agent.yaml:2:61: devices[0].health_check_timeout: expected a duration, got a list"},
        BadConfig{"devices:\n  - {name: d, driver: x, platform: y, health_check_timeout: 0s}\n",
                  "agent.yaml:2:61: devices[0].health_check_timeout: expected a positive duration"},
        BadConfig{"devices:\n  - {name: d, driver: x, platform: y, domains: [batch]}\n",
                  "agent.yaml:2:48: devices[0].domains: expected a map of parameter names to lists of values"},
        BadConfig{"devices:\n  - {name: d, driver: x, platform: y, domains: {batch: 8}}\n",
                  "agent.yaml:2:56: devices[0].domains.batch: expected a non-empty list of values"},
        BadConfig{"devices:\n  - {name: d, driver: x, platform: y, domains: {batch: []}}\n",
                  "agent.yaml:2:56: devices[0].domains.batch: expected a non-empty list of values"},
        BadConfig{"devices:\n  - {name: d, driver: x, platform: y, domains: {batch: [1, [2]]}}\n",
                  "agent.yaml:2:60: devices[0].domains.batch[1]: expected a single value, got a list"},
        BadConfig{"devices:\n  - {name: d, driver: x, platform: y, domains: {batch: [8, \"8\"]}}\n",
                  "agent.yaml:2:60: devices[0].domains.batch[1]: value '8' is listed twice"}));

}  // namespace
}  // namespace benchd::agent
