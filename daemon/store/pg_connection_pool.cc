#include "daemon/store/pg_connection_pool.h"

#include <utility>

#include "daemon/store/pg_errors.h"

namespace benchd::daemon {

ConnectionPool::ConnectionPool(std::string dsn, int size, Setup setup)
    : dsn_(std::move(dsn)), size_(size < 1 ? 1 : size), setup_(std::move(setup)) {}

ConnectionPool::~ConnectionPool() = default;

ConnectionPool::Lease::Lease(ConnectionPool* pool, std::unique_ptr<pqxx::connection> connection)
    : pool_(pool), connection_(std::move(connection)) {}

ConnectionPool::Lease::Lease(Lease&& other) noexcept
    : pool_(other.pool_), connection_(std::move(other.connection_)), discard_(other.discard_) {
  other.pool_ = nullptr;
}

ConnectionPool::Lease::~Lease() {
  if (pool_ != nullptr) pool_->Return(std::move(connection_), discard_);
}

absl::StatusOr<ConnectionPool::Lease> ConnectionPool::Acquire(std::chrono::milliseconds wait) {
  {
    std::unique_lock lock(mu_);
    const bool available =
        returned_.wait_for(lock, wait, [this] { return !idle_.empty() || open_ < size_; });
    if (!available) {
      return absl::UnavailableError("acquire database connection: all " + std::to_string(size_) +
                                    " connections stayed busy");
    }
    if (!idle_.empty()) {
      auto connection = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(connection));
    }
    ++open_;  // reserve the slot; the connect happens without the lock
  }
  try {
    auto connection = std::make_unique<pqxx::connection>(dsn_);
    if (setup_) setup_(*connection);
    return Lease(this, std::move(connection));
  } catch (const std::exception& error) {
    Return(nullptr, true);
    absl::Status status = StatusFromException(error, "connect to database");
    // Whatever went wrong while connecting, the caller cannot use the
    // database now; only the message tells the cause.
    return absl::UnavailableError(status.message());
  }
}

void ConnectionPool::Return(std::unique_ptr<pqxx::connection> connection, bool discard) {
  std::unique_ptr<pqxx::connection> closing;
  {
    std::lock_guard lock(mu_);
    if (connection != nullptr && !discard && connection->is_open()) {
      idle_.push_back(std::move(connection));
    } else {
      closing = std::move(connection);
      --open_;
    }
  }
  returned_.notify_one();
  // `closing` is destroyed here, outside the lock: closing a socket to a
  // dead server can block.
}

void ConnectionPool::DiscardIdle() {
  std::vector<std::unique_ptr<pqxx::connection>> closing;
  {
    std::lock_guard lock(mu_);
    closing.swap(idle_);
    open_ -= static_cast<int>(closing.size());
  }
  returned_.notify_all();
}

}  // namespace benchd::daemon
