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

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "agents/drivers/driver.h"

namespace benchd::agent {

struct DeviceConfig {
  std::string name;
  std::string driver;
  std::string platform;
  std::map<std::string, std::string> labels;
  DriverOptions options;
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
// a device without name, driver or platform, two devices with one name.
[[nodiscard]] absl::StatusOr<AgentConfig> ParseAgentConfig(const std::string& text, const std::string& file_name);
[[nodiscard]] absl::StatusOr<AgentConfig> LoadAgentConfig(const std::string& path);

}  // namespace benchd::agent
