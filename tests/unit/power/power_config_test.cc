#include "agents/power/power_config.h"

#include <gtest/gtest.h>

namespace benchd::agent::power {
namespace {

absl::Status ErrorOf(const std::string& yaml) { return ParsePowerSources(yaml, "agent.yaml").status(); }

TEST(PowerConfigTest, ReadsEveryType) {
  auto sources = ParsePowerSources(R"(power:
  - type: ina3221
    rails: [VDD_IN, VDD_SYS_GPU]
    rate_hz: 100
  - type: hwmon
    chip: ina3221
    path: /sys/class/hwmon
  - type: rapl
  - type: command
    name: tegra
    command: [tegrastats, --interval, "{interval_ms}"]
    parser: tegrastats
    rate_hz: 5
  - type: serial-meter
    port: /dev/ttyACM0
    baud: 921600
)",
                                   "agent.yaml");
  ASSERT_TRUE(sources.ok()) << sources.status();
  ASSERT_EQ(sources->size(), 5u);
  EXPECT_EQ((*sources)[0].type, PowerSourceType::kIna3221);
  EXPECT_EQ((*sources)[0].rails, (std::vector<std::string>{"VDD_IN", "VDD_SYS_GPU"}));
  EXPECT_DOUBLE_EQ((*sources)[0].rate_hz, 100);
  EXPECT_EQ((*sources)[1].chip, "ina3221");
  EXPECT_EQ((*sources)[2].type, PowerSourceType::kRapl);
  EXPECT_DOUBLE_EQ((*sources)[2].rate_hz, 10);
  EXPECT_EQ((*sources)[3].command.size(), 3u);
  EXPECT_EQ((*sources)[3].parser, "tegrastats");
  EXPECT_EQ((*sources)[3].name, "tegra");
  EXPECT_EQ((*sources)[4].port, "/dev/ttyACM0");
  EXPECT_EQ((*sources)[4].baud, 921600);
}

void ExpectError(const std::string& yaml, const std::string& where_and_what) {
  const absl::Status status = ErrorOf(yaml);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << yaml;
  EXPECT_NE(status.message().find(where_and_what), std::string::npos) << status;
}

TEST(PowerConfigTest, ErrorsPointAtFileLineColumnAndKey) {
  ExpectError("power:\n  - type: ina3222\n", "agent.yaml:2:11: power[0].type: unknown power source type 'ina3222'");
  ExpectError("power:\n  - rails: [VDD_IN]\n", "agent.yaml:2:5: power[0].type: missing");
  ExpectError("power:\n  - type: rapl\n    rate_hz: 0\n", "agent.yaml:3:14: power[0].rate_hz: expected a rate");
  ExpectError("power:\n  - type: rapl\n    rate_hz: fast\n", "power[0].rate_hz: expected a number, got 'fast'");
  ExpectError("power:\n  - type: rapl\n    baud: 9600\n",
              "agent.yaml:3:5: power[0].baud: does not apply to a 'rapl' source");
  ExpectError("power:\n  - type: rapl\n    rials: [x]\n", "agent.yaml:3:5: power[0].rials");
  ExpectError("power:\n  - type: command\n    command: [tegrastats]\n",
              "power[0].parser: missing (required for 'command')");
  ExpectError("power:\n  - type: command\n    command: [tegrastats]\n    parser: powertop\n",
              "agent.yaml:4:13: power[0].parser: unknown power line parser 'powertop'");
  ExpectError("power:\n  - type: command\n    command: []\n    parser: tegrastats\n",
              "power[0].command: expected a non-empty list");
  ExpectError("power:\n  - type: serial-meter\n", "power[0].port: missing (required for 'serial-meter')");
  ExpectError("power:\n  - type: serial-meter\n    port: /dev/ttyACM0\n    baud: 12345\n",
              "agent.yaml:4:11: power[0].baud: unsupported baud rate 12345");
  ExpectError("power:\n  - type: ina3221\n    rails: [VDD_IN, VDD_IN]\n",
              "agent.yaml:3:21: power[0].rails[1]: 'VDD_IN' is listed twice");
  ExpectError("power:\n  - {type: rapl, name: a}\n  - {type: hwmon, name: a}\n",
              "power[1].name: source name 'a' is used twice");
  ExpectError("power: []\n", "power: expected a non-empty list of power sources");
  ExpectError("power:\n  - type: hwmon\nextra: 1\n", "agent.yaml:3:1: extra");
}

}  // namespace
}  // namespace benchd::agent::power
