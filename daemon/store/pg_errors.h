#pragma once

// The one translation of libpqxx and standard exceptions into absl::Status,
// used by `Transact`. Internal to daemon/store.

#include <exception>
#include <string_view>

#include "absl/status/status.h"

namespace benchd::daemon {

// unique_violation: ALREADY_EXISTS; other integrity and data errors:
// INVALID_ARGUMENT; a lost connection or a shutting-down server: UNAVAILABLE;
// serialization failures and deadlocks: ABORTED; anything else: INTERNAL.
// The message is "`what`: <the error's first lines>".
[[nodiscard]] absl::Status StatusFromException(const std::exception& error, std::string_view what);

// Whether `error` means the connection is unusable (rather than the
// statement being wrong), so the connection must be replaced.
[[nodiscard]] bool IsConnectionLoss(const std::exception& error);

}  // namespace benchd::daemon
