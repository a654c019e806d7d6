// The one file in tests/ that talks to PostgreSQL directly: the admin
// connection that creates and drops test databases.

#include "tests/support/test_database.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <pqxx/pqxx>
#include <random>
#include <sstream>

namespace benchd::testing {
namespace {

constexpr char kDsnEnv[] = "BENCHD_TEST_PG_DSN";
constexpr char kDsnFileEnv[] = "BENCHD_TEST_PG_DSN_FILE";
// Fail fast rather than hang a test when the server is gone.
constexpr char kConnectTimeout[] = " connect_timeout=10";

std::string Trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ' || text.back() == '\r')) {
    text.pop_back();
  }
  return text;
}

// Unique across the processes and threads of one ctest run, and across
// runs that left databases behind after a crash.
std::string NewDatabaseName() {
  static std::atomic<int> counter{0};
  std::random_device random;
  std::ostringstream name;
  name << "benchd_test_" << ::getpid() << "_" << counter++ << "_" << std::hex
       << (random() & 0xffffff);
  return name.str();
}

}  // namespace

absl::StatusOr<std::string> TestDatabase::ServerDsn() {
  if (const char* dsn = std::getenv(kDsnEnv); dsn != nullptr && *dsn != '\0') {
    const std::string text = dsn;
    if (text.rfind("postgres://", 0) == 0 || text.rfind("postgresql://", 0) == 0) {
      return absl::InvalidArgumentError(std::string(kDsnEnv) +
                                        " must be in key=value form, not a URI");
    }
    return text;
  }
  const char* file = std::getenv(kDsnFileEnv);
  if (file == nullptr || *file == '\0') {
    return absl::FailedPreconditionError(
        std::string("no test PostgreSQL: ") + kDsnFileEnv + " and " + kDsnEnv +
        " are unset; run the test through ctest (fixture PG, see cmake/BenchdTesting.cmake) or "
        "set " +
        kDsnEnv);
  }
  std::ifstream in(file);
  std::string dsn;
  if (!in || !std::getline(in, dsn) || Trimmed(dsn).empty()) {
    return absl::UnavailableError(std::string("test PostgreSQL: cannot read a DSN from '") + file +
                                  "' (did the pg_start fixture run and succeed?)");
  }
  return Trimmed(dsn);
}

TestDatabase::TestDatabase() {
  auto server = ServerDsn();
  if (!server.ok()) {
    status_ = server.status();
  } else {
    server_dsn_ = *server;
    name_ = NewDatabaseName();
    try {
      pqxx::connection admin(server_dsn_ + kConnectTimeout);
      pqxx::nontransaction tx(admin);
      // A name cannot be a parameter; this one is ours and quoted anyway.
      tx.exec("CREATE DATABASE " + tx.quote_name(name_));
      // libpq takes the last value of a repeated keyword.
      dsn_ = server_dsn_ + " dbname=" + name_;
    } catch (const std::exception& error) {
      status_ = absl::UnavailableError("create test database '" + name_ + "': " + error.what());
    }
  }
  if (!status_.ok()) ADD_FAILURE() << status_;
}

TestDatabase::~TestDatabase() {
  if (dsn_.empty()) return;
  try {
    pqxx::connection admin(server_dsn_ + kConnectTimeout);
    pqxx::nontransaction tx(admin);
    // FORCE ends the sessions a store under test may still hold.
    tx.exec("DROP DATABASE IF EXISTS " + tx.quote_name(name_) + " WITH (FORCE)");
  } catch (const std::exception& error) {
    ADD_FAILURE() << "drop test database '" << name_ << "': " << error.what();
  }
}

absl::StatusOr<std::vector<TestDatabase::Row>> TestDatabase::Query(const std::string& sql) const {
  if (dsn_.empty())
    return absl::FailedPreconditionError("query: the test database was not created");
  try {
    pqxx::connection connection(dsn_ + kConnectTimeout);
    pqxx::work tx(connection);
    const pqxx::result result = tx.exec(sql);
    tx.commit();
    std::vector<Row> rows;
    rows.reserve(result.size());
    for (const auto& row : result) {
      Row values;
      for (const auto& field : row) {
        values.push_back(field.is_null() ? std::nullopt
                                         : std::optional<std::string>(field.c_str()));
      }
      rows.push_back(std::move(values));
    }
    return rows;
  } catch (const std::exception& error) {
    return absl::InternalError("query '" + sql + "': " + error.what());
  }
}

std::string TestDatabase::QueryValue(const std::string& sql) const {
  auto rows = Query(sql);
  if (!rows.ok()) {
    ADD_FAILURE() << rows.status();
    return "";
  }
  if (rows->empty() || rows->front().empty() || !rows->front().front()) return "";
  return *rows->front().front();
}

}  // namespace benchd::testing
