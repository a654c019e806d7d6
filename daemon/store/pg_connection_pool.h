#pragma once

// A bounded pool of libpqxx connections. Internal to daemon/store.
//
// Connections are opened lazily, up to `size`, and prepared by the setup
// callback (prepared statements) once each. A connection that failed is
// discarded by its lease instead of being returned.
// Thread-safety: all methods may be called from any thread; a `Lease` belongs
// to one thread at a time.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <pqxx/connection>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace benchd::daemon {

class ConnectionPool {
 public:
  using Setup = std::function<void(pqxx::connection&)>;

  ConnectionPool(std::string dsn, int size, Setup setup);
  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;
  ~ConnectionPool();

  // Exclusive use of one connection; returns it to the pool when destroyed.
  class Lease {
   public:
    Lease(Lease&& other) noexcept;
    Lease& operator=(Lease&&) = delete;
    ~Lease();

    pqxx::connection& connection() { return *connection_; }
    // Closes the connection instead of returning it.
    void Discard() { discard_ = true; }

   private:
    friend class ConnectionPool;
    Lease(ConnectionPool* pool, std::unique_ptr<pqxx::connection> connection);

    ConnectionPool* pool_;
    std::unique_ptr<pqxx::connection> connection_;
    bool discard_ = false;
  };

  // Returns an idle connection, or opens one while fewer than `size` exist,
  // or waits up to `wait` for one to be returned.
  // Errors: UNAVAILABLE when the server cannot be reached or no connection
  // was returned in time.
  [[nodiscard]] absl::StatusOr<Lease> Acquire(
      std::chrono::milliseconds wait = std::chrono::seconds(30));

  // Closes every idle connection. Called after one connection broke: the
  // others almost certainly lost the same server.
  void DiscardIdle();

 private:
  void Return(std::unique_ptr<pqxx::connection> connection, bool discard);

  const std::string dsn_;
  const int size_;
  const Setup setup_;

  std::mutex mu_;
  std::condition_variable returned_;
  std::vector<std::unique_ptr<pqxx::connection>> idle_;
  int open_ = 0;  // idle + leased + being opened
};

}  // namespace benchd::daemon
