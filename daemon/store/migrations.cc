#include "daemon/store/migrations.h"

#include <pqxx/pqxx>
#include <set>
#include <string>

#include "absl/status/status.h"
#include "spdlog/fmt/fmt.h"
#include "spdlog/spdlog.h"

namespace benchd::daemon {
namespace {

// Any fixed number works as long as nothing else in the database uses it for
// pg_advisory_xact_lock; this one spells "benchd" in ASCII.
constexpr int64_t kMigrationLockKey = 0x62656e636864;

constexpr char kCreateLedger[] = R"sql(
CREATE TABLE IF NOT EXISTS schema_migrations (
  version    integer PRIMARY KEY,
  name       text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
))sql";

}  // namespace

absl::StatusOr<int> ApplyMigrations(pqxx::work& tx, const std::vector<Migration>& migrations) {
  for (size_t i = 1; i < migrations.size(); ++i) {
    if (migrations[i].version <= migrations[i - 1].version) {
      return absl::InvalidArgumentError(
          fmt::format("apply migrations: '{}' does not follow '{}' in version order",
                      migrations[i].name, migrations[i - 1].name));
    }
  }
  // Held until commit; a second daemon waits here and then finds the work
  // done.
  tx.exec_params("SELECT pg_advisory_xact_lock($1)", kMigrationLockKey);
  tx.exec(kCreateLedger);

  std::set<int> applied;
  for (const auto& row : tx.exec("SELECT version FROM schema_migrations")) {
    applied.insert(row[0].as<int>());
  }
  std::set<int> known;
  for (const auto& migration : migrations) known.insert(migration.version);
  for (int version : applied) {
    if (known.count(version) == 0) {
      return absl::FailedPreconditionError(fmt::format(
          "apply migrations: the database has schema version {}, which this benchd does not "
          "know; it was migrated by a newer benchd",
          version));
    }
  }

  int count = 0;
  for (const auto& migration : migrations) {
    if (applied.count(migration.version) != 0) continue;
    // The file's text is executed as is: it is part of the binary, not input.
    tx.exec(std::string(migration.sql));
    tx.exec_params("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
                   migration.version, std::string(migration.name));
    spdlog::info("applied schema migration {}", migration.name);
    ++count;
  }
  return count;
}

}  // namespace benchd::daemon
