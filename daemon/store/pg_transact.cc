#include "daemon/store/pg_transact.h"

#include <chrono>
#include <pqxx/except>
#include <random>
#include <thread>

#include "common/status_util.h"
#include "daemon/store/pg_errors.h"

namespace benchd::daemon {
namespace {

constexpr int kMaxRollbackAttempts = 5;

// Transactions that deadlocked or failed to serialize collided with another
// one; rerunning at once tends to collide again, so reruns are spread out.
void BackOff(int attempt) {
  thread_local std::minstd_rand random(std::random_device{}());
  const int base_ms = 2 << attempt;
  std::uniform_int_distribution<int> jitter(0, base_ms);
  std::this_thread::sleep_for(std::chrono::milliseconds(base_ms + jitter(random)));
}

// The operation's answer to its caller about the request (no such sweep,
// a state that does not allow it): the caller names what it asked for.
bool IsRefusal(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kOutOfRange:
      return true;
    default:
      return false;
  }
}

}  // namespace

absl::Status RunTransaction(ConnectionPool& pool, std::string_view what,
                            const std::function<absl::Status(pqxx::work&)>& body) {
  bool reconnected = false;
  for (int attempt = 1;; ++attempt) {
    auto lease = pool.Acquire();
    if (!lease.ok()) return common::WithContext(lease.status(), what);
    try {
      pqxx::work tx(lease->connection());
      absl::Status status = body(tx);
      if (!status.ok()) return IsRefusal(status) ? status : common::WithContext(status, what);
      tx.commit();
      return absl::OkStatus();
    } catch (const pqxx::in_doubt_error& error) {
      // The commit may or may not have happened: rerunning could apply the
      // operation twice, so the caller has to find out.
      lease->Discard();
      pool.DiscardIdle();
      return StatusFromException(error, what);
    } catch (const std::exception& error) {
      if (IsConnectionLoss(error)) {
        lease->Discard();
        pool.DiscardIdle();
        if (!reconnected) {
          reconnected = true;
          continue;
        }
        return StatusFromException(error, what);
      }
      absl::Status status = StatusFromException(error, what);
      if (status.code() == absl::StatusCode::kAborted && attempt < kMaxRollbackAttempts) {
        BackOff(attempt);
        continue;
      }
      return status;
    }
  }
}

}  // namespace benchd::daemon
