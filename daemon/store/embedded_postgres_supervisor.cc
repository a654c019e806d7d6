#include "daemon/store/embedded_postgres_supervisor.h"

#include <pthread.h>

#include <algorithm>

#include <spdlog/spdlog.h>

namespace benchd::daemon {

EmbeddedPostgresSupervisor::EmbeddedPostgresSupervisor(EmbeddedPostgres& server, Options options)
    : server_(server), options_(options) {}

EmbeddedPostgresSupervisor::~EmbeddedPostgresSupervisor() { Stop(); }

void EmbeddedPostgresSupervisor::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void EmbeddedPostgresSupervisor::Stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void EmbeddedPostgresSupervisor::Loop() {
  ::pthread_setname_np(::pthread_self(), "benchd-pg-watch");
  std::chrono::milliseconds wait = options_.interval;
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, wait, [&] { return stopping_; })) {
    lock.unlock();
    if (server_.ServerAlive()) {
      wait = options_.interval;
    } else {
      spdlog::error("embedded PostgreSQL on port {} is not running (its log: {}); restarting it", server_.port(),
                    server_.server_log());
      if (absl::Status restarted = server_.Restart(); restarted.ok()) {
        spdlog::warn("embedded PostgreSQL restarted on port {}", server_.port());
        wait = options_.interval;
      } else {
        wait = std::min(wait * 2, options_.max_backoff);
        spdlog::error("restart the embedded PostgreSQL: {}; next try in {} ms", restarted.ToString(),
                      wait.count());
      }
    }
    lock.lock();
  }
}

}  // namespace benchd::daemon
