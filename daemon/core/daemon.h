#pragma once

// The coordinator process, wired: store (embedded or external PostgreSQL),
// scheduler, gRPC services and server. `main` and the tests start it the same
// way.
// Thread-safety: Shutdown may be called from any thread, once or more.

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "daemon/core/daemon_config.h"

namespace benchd::daemon {

class Daemon {
 public:
  // Starts everything; on error nothing is left running.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<Daemon>> Start(const DaemonConfig& config);
  ~Daemon();

  // The address the server is bound to ("127.0.0.1:43121").
  const std::string& address() const;
  // Stops accepting calls, ends agent streams and watches, stops the
  // scheduler, closes the store, and stops the embedded PostgreSQL.
  void Shutdown();

  struct Parts;

 private:
  explicit Daemon(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

}  // namespace benchd::daemon
