#pragma once

// A fresh, empty PostgreSQL database per test, on the suite's server.
//
// The server is the one `benchd-test-pg` started for the ctest run (fixture
// PG), found through the file named by BENCHD_TEST_PG_DSN_FILE; or any
// server named by BENCHD_TEST_PG_DSN (key=value form, superuser). Register
// tests with `benchd_add_pg_test()` (cmake/BenchdTesting.cmake) to get both
// the fixture and the variable.
//
// A server that cannot be reached is a test failure (ADD_FAILURE, and `ok()`
// is false), never a skip: check `ASSERT_TRUE(db.ok()) << db.status();` in
// SetUp. The database is dropped, with any sessions still on it, when the
// object is destroyed.
// Thread-safety: `Query*` may be called from any thread (each opens its own
// connection).

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace benchd::testing {

class TestDatabase {
 public:
  TestDatabase();
  ~TestDatabase();
  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;

  bool ok() const { return status_.ok(); }
  const absl::Status& status() const { return status_; }
  // libpq DSN of the new database; empty when creation failed.
  const std::string& dsn() const { return dsn_; }
  const std::string& name() const { return name_; }

  // The suite server's DSN (its `postgres` database), from the environment.
  [[nodiscard]] static absl::StatusOr<std::string> ServerDsn();

  // Runs `sql` on this database in its own transaction (committed) and
  // returns every row as text; NULL is nullopt. For assertions on tables
  // the code under test does not expose.
  using Row = std::vector<std::optional<std::string>>;
  [[nodiscard]] absl::StatusOr<std::vector<Row>> Query(const std::string& sql) const;
  // The first column of the first row as text ("" for none or NULL); a
  // failing query is recorded with ADD_FAILURE and returns "".
  std::string QueryValue(const std::string& sql) const;

 private:
  absl::Status status_;
  std::string server_dsn_;
  std::string name_;
  std::string dsn_;
};

}  // namespace benchd::testing
