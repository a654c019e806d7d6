// bench-agent: runs benchmarks on the devices attached to this machine for a
// benchd coordinator. See README "Running an agent".

#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include "agents/core/agent.h"
#include "common/logging.h"
#include "common/stop_signal.h"

namespace {

// Native runtimes and simulators installed beside bench-agent are found
// without configuring their paths.
void PutOwnDirectoryOnPath() {
  std::error_code error;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", error);
  if (error) return;
  const char* path = std::getenv("PATH");
  const std::string value = self.parent_path().string() + (path ? std::string(":") + path : "");
  setenv("PATH", value.c_str(), 1);
}

int Run(int argc, char** argv) {
  CLI::App app{"bench-agent: runs benchmarks on this machine's devices for benchd"};
  std::string config_path;
  std::string coordinator;
  std::string name;
  std::string log_level;
  bool check_config = false;
  app.add_option("-c,--config", config_path, "agent YAML configuration (devices, coordinator)")->required();
  app.add_option("--coordinator", coordinator, "coordinator address host:port (overrides the file)");
  app.add_option("--name", name, "agent name (overrides the file)");
  app.add_option("--log-level", log_level, "trace, debug, info, warn or error");
  app.add_flag("--check-config", check_config, "validate the configuration and exit");
  CLI11_PARSE(app, argc, argv);

  auto config = benchd::agent::LoadAgentConfig(config_path);
  if (!config.ok()) {
    std::cerr << "bench-agent: " << config.status().message() << "\n";
    return 2;
  }
  if (const char* env = std::getenv("BENCHD_COORDINATOR"); env != nullptr && *env != '\0') config->coordinator = env;
  if (!coordinator.empty()) config->coordinator = coordinator;
  if (!name.empty()) config->name = name;
  if (!log_level.empty()) config->log_level = log_level;
  if (check_config) {
    // Rails are discovered by name: a wrong one is a configuration error
    // worth catching before the agent starts.
    benchd::agent::power::MonotonicClock clock;
    for (const benchd::agent::DeviceConfig& device : config->devices) {
      if (device.power.empty()) continue;
      auto monitor = benchd::agent::power::PowerMonitor::Create(device.power, clock, {});
      if (!monitor.ok()) {
        std::cerr << "bench-agent: device '" << device.name << "': " << monitor.status().message() << "\n";
        return 2;
      }
      std::cout << "device " << device.name << ": power rails";
      for (const std::string& rail : (*monitor)->rails().Names()) std::cout << " " << rail;
      std::cout << "\n";
    }
    std::cout << "configuration is valid: " << config->devices.size() << " device(s)\n";
    return 0;
  }
  if (auto logging = benchd::common::InitLogging("bench-agent", config->log_level); !logging.ok()) {
    std::cerr << "bench-agent: " << logging.message() << "\n";
    return 2;
  }
  PutOwnDirectoryOnPath();

  benchd::common::InstallStopSignalHandlers();

  auto agent = benchd::agent::Agent::Start(*config);
  if (!agent.ok()) {
    spdlog::error("{}", std::string(agent.status().message()));
    return 1;
  }
  const int signal_number = benchd::common::WaitForStopSignal();
  spdlog::info("received signal {}", signal_number);
  (*agent)->Shutdown();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return Run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "bench-agent: fatal: " << e.what() << "\n";
    return 1;
  }
}
