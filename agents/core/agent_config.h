#pragma once

// The agent's configuration file: who it is, where the coordinator is, and
// the devices attached to this machine.
//
//   agent:
//     name: lab-bench-3
//     coordinator: benchd.lab:7700
//     spool_dir: /var/lib/bench-agent/spool
//     work_dir: /var/lib/bench-agent/runs
//   devices:
//     - name: cpu0
//       driver: host-cpu
//       platform: host-cpu
//       labels: {arch: x86_64}
//       options: {threads: "4"}
//       health_check: [/usr/local/bin/cpu-selftest, --quick]
//       health_check_timeout: 30s
//       domains: {precision: [INT8, FP32], batch: [1, 8]}
//       sensors: {soc_temp_mc: /sys/class/thermal/thermal_zone0/temp}
//       power:                      # agents/power/power_config.h
//         - {type: rapl, rails: [package-0], rate_hz: 1000}

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "agents/drivers/driver.h"
#include "agents/power/power_config.h"

namespace benchd::agent {

struct DeviceConfig {
  std::string name;
  std::string driver;
  std::string platform;
  std::map<std::string, std::string> labels;
  DriverOptions options;
  // The command that tells whether the device works again after the
  // coordinator quarantined it: argv, run without a shell; healthy means it
  // exits 0 within `health_check_timeout`. Empty: the device has no check.
  std::vector<std::string> health_check;
  std::chrono::milliseconds health_check_timeout{std::chrono::seconds(30)};
  // Parameter domains narrower than the platform's: parameter name to the
  // values this device can run, in their text form (8, 12.5, FP16, true, as
  // common::ParamValueToString prints them). Empty: the platform's domains.
  std::map<std::string, std::vector<std::string>> domains;
  // Where the device's power is read; the first source's first rail is its
  // primary rail. Empty: no power figures.
  std::vector<power::PowerSourceConfig> power;
  // Files read when every run starts and ends (clocks, temperatures), name
  // to path; recorded raw in the run's environment (run_environment.h).
  std::map<std::string, std::string> sensors;
};

struct AgentConfig {
  std::string name;
  std::string coordinator = "127.0.0.1:7700";
  // Reports not yet acknowledged by the coordinator survive here across
  // restarts.
  std::string spool_dir = "bench-agent-spool";
  std::string work_dir = "bench-agent-runs";
  std::string log_level = "info";
  std::chrono::milliseconds reconnect_initial{std::chrono::milliseconds(200)};
  std::chrono::milliseconds reconnect_max{std::chrono::seconds(30)};
  std::vector<DeviceConfig> devices;
};

// Errors name file:line:column and the key path: unknown keys, wrong types,
// a device without name, driver or platform, two devices with one name, an
// empty `health_check`, a `domains` entry that is not a non-empty list of
// distinct single values, and the `power:` errors of power_config.h.
[[nodiscard]] absl::StatusOr<AgentConfig> ParseAgentConfig(const std::string& text, const std::string& file_name);
[[nodiscard]] absl::StatusOr<AgentConfig> LoadAgentConfig(const std::string& path);

}  // namespace benchd::agent
