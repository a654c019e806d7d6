#pragma once

// Keeps benchd's embedded PostgreSQL running. A server that dies (the OOM
// killer, a crash, a stray kill) would otherwise leave an unattended
// coordinator answering every call and every agent with "connection
// refused" until someone restarted it by hand. The supervisor checks every
// `interval` that the server is alive and restarts it in place (same
// directory, same port, so the store's pool reconnects by itself), backing
// off from `interval` to `max_backoff` while restarting fails.
//
// Thread-safety: Start and Stop from the owner's thread. While started, the
// supervisor is the only caller of the server object; stop it before
// stopping the server, or it restarts what was meant to stop.

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "daemon/store/embedded_postgres.h"

namespace benchd::daemon {

class EmbeddedPostgresSupervisor {
 public:
  struct Options {
    std::chrono::milliseconds interval{std::chrono::seconds(1)};
    std::chrono::milliseconds max_backoff{std::chrono::seconds(30)};
  };

  // `server` must have been started and must outlive the supervisor.
  EmbeddedPostgresSupervisor(EmbeddedPostgres& server, Options options);
  ~EmbeddedPostgresSupervisor();
  EmbeddedPostgresSupervisor(const EmbeddedPostgresSupervisor&) = delete;
  EmbeddedPostgresSupervisor& operator=(const EmbeddedPostgresSupervisor&) = delete;

  void Start();
  void Stop();

 private:
  void Loop();

  EmbeddedPostgres& server_;
  const Options options_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace benchd::daemon
