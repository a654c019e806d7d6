#pragma once

// A coordinator for benchmark programs: a real benchd in this process (gRPC
// server, scheduler, store) on a given PostgreSQL, or on a private durable
// one in a temporary directory, removed again by Stop().

#include <memory>
#include <string>

#include "daemon/core/daemon.h"
#include "daemon/store/embedded_postgres.h"

namespace benchd::bench {

class BenchCoordinator {
 public:
  // `database` empty: start a private PostgreSQL. Throws std::runtime_error.
  explicit BenchCoordinator(const std::string& database, const std::string& name);
  ~BenchCoordinator();

  const std::string& address() const { return daemon_->address(); }
  const std::string& dsn() const { return dsn_; }
  // Shuts benchd down, stops the private server and removes its directory.
  void Stop();

 private:
  std::string dir_;
  std::string dsn_;
  std::unique_ptr<daemon::EmbeddedPostgres> embedded_;
  std::unique_ptr<daemon::Daemon> daemon_;
};

}  // namespace benchd::bench
