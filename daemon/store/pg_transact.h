#pragma once

// `Transact`: the one way daemon/store runs an operation against the
// database. Internal to daemon/store.
//
// The operation is a function over a `pqxx::work&` that returns a Status or a
// StatusOr. It runs on a pooled connection and is committed when it returns
// OK; a non-OK result rolls back. A refusal of the request (NOT_FOUND,
// FAILED_PRECONDITION, INVALID_ARGUMENT, ALREADY_EXISTS, OUT_OF_RANGE) is
// returned as it is, for the caller, who knows what it asked, to name it
// once; any other failure comes back with `what` as context.
// Serialization failures and deadlocks rerun it (a bounded number of times);
// a lost connection reruns it once on a fresh connection, so a restarted
// server is survived by the next call. Exceptions are translated once, by
// `StatusFromException`. The operation may therefore run more than once and
// must not have effects outside its transaction.

#include <functional>
#include <optional>
#include <pqxx/pqxx>
#include <string_view>
#include <type_traits>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "daemon/store/pg_connection_pool.h"

namespace benchd::daemon {

[[nodiscard]] absl::Status RunTransaction(ConnectionPool& pool, std::string_view what,
                                          const std::function<absl::Status(pqxx::work&)>& body);

template <typename Fn>
[[nodiscard]] std::invoke_result_t<Fn, pqxx::work&> Transact(ConnectionPool& pool,
                                                             std::string_view what, Fn&& fn) {
  using Result = std::invoke_result_t<Fn, pqxx::work&>;
  if constexpr (std::is_same_v<Result, absl::Status>) {
    return RunTransaction(pool, what, fn);
  } else {
    std::optional<typename Result::value_type> value;
    absl::Status status = RunTransaction(pool, what, [&](pqxx::work& tx) -> absl::Status {
      Result result = fn(tx);
      if (!result.ok()) return result.status();
      value = std::move(*result);
      return absl::OkStatus();
    });
    if (!status.ok()) return status;
    return std::move(*value);
  }
}

}  // namespace benchd::daemon
