#include "daemon/store/pg_errors.h"

#include <pqxx/except>
#include <string>

namespace benchd::daemon {
namespace {

// Server messages span lines (DETAIL, HINT, LINE n); a status message is read
// in logs and by `benchctl`, so the lines are joined.
std::string OneLine(std::string_view text) {
  std::string line;
  line.reserve(text.size());
  for (char c : text) {
    if (c == '\n') {
      if (!line.empty() && line.back() != ' ') line += "; ";
    } else {
      line += c;
    }
  }
  while (!line.empty() && (line.back() == ' ' || line.back() == ';')) line.pop_back();
  return line;
}

// SQLSTATE classes that mean the session is gone: 08 (connection exception)
// and 57P01..57P03 (admin or crash shutdown, cannot connect now), which a
// restarting server sends before closing the socket.
bool IsConnectionSqlState(const std::string& state) {
  return state.rfind("08", 0) == 0 || state == "57P01" || state == "57P02" || state == "57P03";
}

}  // namespace

bool IsConnectionLoss(const std::exception& error) {
  if (dynamic_cast<const pqxx::broken_connection*>(&error) != nullptr) return true;
  if (dynamic_cast<const pqxx::in_doubt_error*>(&error) != nullptr) return true;
  if (const auto* sql = dynamic_cast<const pqxx::sql_error*>(&error)) {
    return IsConnectionSqlState(sql->sqlstate());
  }
  return false;
}

absl::Status StatusFromException(const std::exception& error, std::string_view what) {
  std::string message(what);
  message += ": ";
  message += OneLine(error.what());

  if (dynamic_cast<const pqxx::in_doubt_error*>(&error) != nullptr) {
    return absl::UnavailableError(message + " (the commit's outcome is unknown)");
  }
  if (IsConnectionLoss(error)) return absl::UnavailableError(message);
  if (dynamic_cast<const pqxx::transaction_rollback*>(&error) != nullptr) {
    return absl::AbortedError(message);
  }
  if (dynamic_cast<const pqxx::unique_violation*>(&error) != nullptr) {
    return absl::AlreadyExistsError(message);
  }
  if (dynamic_cast<const pqxx::integrity_constraint_violation*>(&error) != nullptr ||
      dynamic_cast<const pqxx::data_exception*>(&error) != nullptr) {
    return absl::InvalidArgumentError(message);
  }
  if (const auto* sql = dynamic_cast<const pqxx::sql_error*>(&error)) {
    // Serialization (40001) and deadlock (40P01) arrive as plain sql_error
    // when libpqxx does not recognise the state.
    if (sql->sqlstate().rfind("40", 0) == 0) return absl::AbortedError(message);
  }
  return absl::InternalError(message);
}

}  // namespace benchd::daemon
