#pragma once

// The power sources of one device, as the agent's configuration lists them
// under a device's `power:` key:
//
//   devices:
//     - name: tx2
//       power:
//         - type: ina3221            # Jetson TX2 on-module monitors (mW)
//           rails: [VDD_IN, VDD_SYS_GPU]
//           rate_hz: 100
//         - type: hwmon              # power*_input (µW), or in*_input x curr*_input
//           chip: ina3221            # the hwmon `name` file; optional
//         - type: rapl               # powercap energy counters (µJ)
//           rails: [package-0]
//         - type: command            # a tool that prints one reading per line
//           name: tegra              # rail names become "tegra/VDD_IN"
//           command: [tegrastats, --interval, "{interval_ms}"]
//           parser: tegrastats       # or nvidia-smi-csv, meter-csv
//           rate_hz: 10
//         - type: serial-meter       # "<t_ms>,<volts>,<amps>" lines on a tty
//           port: /dev/serial/by-id/usb-meter
//           baud: 115200
//
// Keys: `type` (required); `name` (optional prefix of the rail names);
// `path` (hwmon, ina3221, rapl: the directory scanned, defaults as above);
// `chip` (hwmon only); `command` and `parser` (command only, both required;
// "{interval_ms}" in an argument becomes 1000 / rate_hz); `port` (required)
// and `baud` (serial-meter only); `rails` (names to keep; empty: all found);
// `rate_hz` (polled sources: the polling rate; command: fills
// {interval_ms}; default 10, at most 10000).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "common/yaml_reader.h"

namespace benchd::agent::power {

enum class PowerSourceType { kHwmon, kIna3221, kRapl, kCommand, kSerialMeter };

std::string_view PowerSourceTypeName(PowerSourceType type);

struct PowerSourceConfig {
  PowerSourceType type = PowerSourceType::kHwmon;
  std::string name;
  std::string path;  // empty: the type's default directory
  std::string chip;
  std::vector<std::string> command;
  std::string parser;
  std::string port;
  int64_t baud = 115200;
  std::vector<std::string> rails;
  double rate_hz = 10;
};

// Reads the `power:` list at `node` (`path` is its key path, e.g.
// "devices[0].power"), for the agent configuration loader. Errors are
// INVALID_ARGUMENT with "file:line:column: key path: message": an unknown
// type, parser or key, a key that does not apply to the type, a missing
// required key, a rate out of range, an unsupported baud rate, a rail listed
// twice.
[[nodiscard]] absl::StatusOr<std::vector<PowerSourceConfig>> ReadPowerSources(const common::YamlContext& ctx,
                                                                              const YAML::Node& node,
                                                                              const std::string& path);

// A document whose only key is `power:` (tests, stand-alone tools).
[[nodiscard]] absl::StatusOr<std::vector<PowerSourceConfig>> ParsePowerSources(const std::string& text,
                                                                               const std::string& file_name);

}  // namespace benchd::agent::power
