#pragma once

// A private PostgreSQL server in a directory of ours: what benchd runs when
// no database address is configured, and what the tests run once per suite.
//
// Layout: `<data_dir>/pg/` holds the cluster (`pg/data`), the server log
// (`pg/server.log`) and initdb's log. The server listens on 127.0.0.1 only
// (no Unix socket: socket paths under a deep data directory exceed the
// 107-byte limit). As root, every tool runs as the `postgres` system user
// (PostgreSQL refuses root), which must be able to traverse every parent of
// `<data_dir>`.
//
// Thread-safety: none; one owner. Not copyable.
// Failure codes: NOT_FOUND when the PostgreSQL server binaries or the
// `postgres` user are missing; FAILED_PRECONDITION when the directory is not
// usable (not traversable by `postgres`, already started); INTERNAL when
// initdb or the server fail, with the tail of their log; DEADLINE_EXCEEDED
// when a tool hangs.

#include <chrono>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/process_runner.h"

namespace benchd::daemon {

struct EmbeddedPostgresOptions {
  // false trades crash safety for speed (fsync, synchronous_commit and
  // full_page_writes off, initdb without sync): for test suites only.
  bool durable = true;
  // Unix user the server runs as when benchd runs as root.
  std::string system_user = "postgres";
  // Directory with initdb, pg_ctl and postgres; empty: ask `pg_config
  // --bindir`, else the newest /usr/lib/postgresql/*/bin.
  std::string bin_dir;
  std::chrono::milliseconds start_timeout{std::chrono::seconds(60)};
};

class EmbeddedPostgres {
 public:
  explicit EmbeddedPostgres(EmbeddedPostgresOptions options = {},
                            std::unique_ptr<common::ProcessRunner> runner = nullptr);
  ~EmbeddedPostgres();  // stops the server unless it was detached
  EmbeddedPostgres(const EmbeddedPostgres&) = delete;
  EmbeddedPostgres& operator=(const EmbeddedPostgres&) = delete;

  // Creates the cluster under `<data_dir>/pg` unless one exists there, stops
  // a server left running there by a crashed owner (or clears its stale
  // lock file), and starts it on `port` (0: a free loopback port). Returns a
  // libpq DSN ("host=127.0.0.1 port=N user=postgres dbname=postgres").
  [[nodiscard]] absl::StatusOr<std::string> Start(const std::string& data_dir, int port = 0);

  // Stops the server started by `Start` (fast shutdown: sessions are ended).
  [[nodiscard]] absl::Status Stop();

  // Stops a server running on the cluster under `<data_dir>/pg`, whoever
  // started it; OK when none is running. For `benchd-test-pg stop`.
  [[nodiscard]] absl::Status StopCluster(const std::string& data_dir);

  // Whether the server `Start` started is still running: false after Stop,
  // and when it died (killed, crashed, taken by the OOM killer).
  bool ServerAlive() const;

  // Starts the server again after it died, in the same directory and on the
  // same port, so that the DSN `Start` returned stays valid (a stale lock
  // file is cleared first). Errors as `Start`; FAILED_PRECONDITION when it
  // was never started.
  [[nodiscard]] absl::Status Restart();

  // Leaves the server running when this object is destroyed.
  void Detach() { running_ = false; }

  bool running() const { return running_; }
  int port() const { return port_; }
  const std::string& dsn() const { return dsn_; }
  // `<data_dir>/pg/server.log`, once started.
  std::string server_log() const { return pg_dir_ + "/server.log"; }

 private:
  [[nodiscard]] absl::Status Prepare(const std::string& data_dir);
  [[nodiscard]] absl::Status InitCluster();
  [[nodiscard]] absl::Status ClearLeftover();
  [[nodiscard]] absl::Status StartServer(int port);
  [[nodiscard]] absl::Status StopServer(const std::string& what);
  [[nodiscard]] absl::StatusOr<common::ProcessOutcome> RunTool(const std::string& what,
                                                               const std::string& tool,
                                                               std::vector<std::string> args,
                                                               std::chrono::milliseconds timeout);

  EmbeddedPostgresOptions options_;
  std::unique_ptr<common::ProcessRunner> runner_;
  std::string bin_dir_;
  std::string data_dir_;     // as given to Start
  std::string pg_dir_;       // <data_dir>/pg
  std::string cluster_dir_;  // <data_dir>/pg/data
  bool as_root_ = false;
  bool running_ = false;
  int port_ = 0;
  std::string dsn_;
};

}  // namespace benchd::daemon
