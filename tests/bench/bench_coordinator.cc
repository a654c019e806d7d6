#include "tests/bench/bench_coordinator.h"

#include <stdlib.h>

#include <filesystem>
#include <stdexcept>

namespace benchd::bench {

BenchCoordinator::BenchCoordinator(const std::string& database, const std::string& name) {
  std::string pattern = "/tmp/benchd-" + name + "-XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  dir_ = pattern;
  // The server runs as `postgres` when we are root: it must reach its directory.
  std::filesystem::permissions(dir_, std::filesystem::perms::owner_all | std::filesystem::perms::group_exec |
                                         std::filesystem::perms::others_exec);
  dsn_ = database;
  if (dsn_.empty()) {
    // Durable, as benchd runs by default: commits wait for the WAL flush.
    embedded_ = std::make_unique<daemon::EmbeddedPostgres>();
    auto started = embedded_->Start(dir_);
    if (!started.ok()) throw std::runtime_error(started.status().ToString());
    dsn_ = *started;
  }
  daemon::DaemonConfig config;
  config.listen = "127.0.0.1:0";
  config.database = dsn_;
  config.data_dir = dir_ + "/benchd";
  config.log_level = "warn";
  // Synthetic agents send no heartbeats.
  config.lease = std::chrono::minutes(10);
  auto started = daemon::Daemon::Start(config);
  if (!started.ok()) throw std::runtime_error(started.status().ToString());
  daemon_ = *std::move(started);
}

BenchCoordinator::~BenchCoordinator() { Stop(); }

void BenchCoordinator::Stop() {
  if (daemon_) daemon_->Shutdown();
  if (embedded_) (void)embedded_->Stop();
  embedded_.reset();
  if (!dir_.empty()) std::filesystem::remove_all(dir_);
  dir_.clear();
}

}  // namespace benchd::bench
