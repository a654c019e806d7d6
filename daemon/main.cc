// benchd: the coordinator. Flags override the config file, which overrides
// BENCHD_* environment variables... see README "Running benchd".

#include <csignal>
#include <iostream>

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include "common/logging.h"
#include "common/stop_signal.h"
#include "daemon/core/daemon.h"

namespace {

int Run(int argc, char** argv) {
  CLI::App app{"benchd: the benchmark campaign coordinator"};
  std::string config_path;
  benchd::daemon::DaemonConfig flags;
  bool check_config = false;
  app.add_option("-c,--config", config_path, "YAML configuration file");
  auto* listen = app.add_option("--listen", flags.listen, "gRPC listen address (host:port; port 0 picks one)");
  auto* database = app.add_option("--database", flags.database,
                                  "PostgreSQL connection string; empty starts an embedded PostgreSQL");
  auto* data_dir = app.add_option("--data-dir", flags.data_dir, "directory for the embedded database and state");
  auto* log_level = app.add_option("--log-level", flags.log_level, "trace, debug, info, warn or error");
  app.add_flag("--check-config", check_config, "validate the configuration and exit");
  CLI11_PARSE(app, argc, argv);

  benchd::daemon::DaemonConfig config;
  if (!config_path.empty()) {
    auto loaded = benchd::daemon::LoadDaemonConfig(config_path);
    if (!loaded.ok()) {
      std::cerr << "benchd: " << loaded.status().message() << "\n";
      return 2;
    }
    config = *loaded;
  }
  benchd::daemon::ApplyDaemonEnvironment(config);
  if (listen->count()) config.listen = flags.listen;
  if (database->count()) config.database = flags.database;
  if (data_dir->count()) config.data_dir = flags.data_dir;
  if (log_level->count()) config.log_level = flags.log_level;
  if (absl::Status valid = benchd::daemon::ValidateDaemonConfig(config); !valid.ok()) {
    std::cerr << "benchd: " << valid.message() << "\n";
    return 2;
  }
  if (check_config) {
    std::cout << "configuration is valid\n";
    return 0;
  }
  if (absl::Status logging = benchd::common::InitLogging("benchd", config.log_level); !logging.ok()) {
    std::cerr << "benchd: " << logging.message() << "\n";
    return 2;
  }

  benchd::common::InstallStopSignalHandlers();

  auto daemon = benchd::daemon::Daemon::Start(config);
  if (!daemon.ok()) {
    spdlog::error("{}", std::string(daemon.status().message()));
    return 1;
  }
  const int signal_number = benchd::common::WaitForStopSignal();
  spdlog::info("received signal {}", signal_number);
  (*daemon)->Shutdown();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return Run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "benchd: fatal: " << e.what() << "\n";
    return 1;
  }
}
