#include <thread>

#include "daemon/store/migrations.h"
#include "tests/integration/store/store_fixture.h"

namespace benchd::daemon {
namespace {

using Rows = std::vector<benchd::testing::TestDatabase::Row>;

Rows MigrationRows(const benchd::testing::TestDatabase& db) {
  auto rows = db.Query("SELECT version, name, applied_at FROM schema_migrations ORDER BY version");
  EXPECT_TRUE(rows.ok()) << rows.status();
  return rows.ok() ? *rows : Rows{};
}

TEST_F(StoreDatabaseTest, MigrationsApplyToAnEmptyDatabase) {
  EXPECT_EQ(Value("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"), "0");
  auto store = NewStore();
  ASSERT_TRUE(store->Open().ok());

  const Rows rows = MigrationRows(db_);
  ASSERT_EQ(rows.size(), EmbeddedMigrations().size());
  EXPECT_EQ(rows[0][0], "1");
  EXPECT_EQ(rows[0][1], "0001_initial.sql");
  for (const char* table : {"sweeps", "experiments", "agents", "devices", "runs", "run_metrics",
                            "latency_samples", "power_samples", "run_reports", "events"}) {
    EXPECT_EQ(Value(std::string("SELECT to_regclass('public.") + table + "') IS NOT NULL"), "t")
        << table;
  }
}

TEST_F(StoreDatabaseTest, MigrationsAreIdempotent) {
  ASSERT_TRUE(NewStore()->Open().ok());
  const Rows first = MigrationRows(db_);
  ASSERT_FALSE(first.empty());

  auto again = NewStore();
  absl::Status reopened = again->Open();
  ASSERT_TRUE(reopened.ok()) << reopened;
  EXPECT_EQ(MigrationRows(db_), first);  // applied_at included: nothing re-ran
  EXPECT_TRUE(again->ListSweeps().ok());
}

TEST_F(StoreDatabaseTest, ConcurrentOpensApplyEachMigrationOnce) {
  std::vector<std::unique_ptr<PgStore>> stores;
  for (int i = 0; i < 4; ++i) stores.push_back(NewStore(1));
  std::vector<absl::Status> results(stores.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < stores.size(); ++i) {
    threads.emplace_back([&, i] { results[i] = stores[i]->Open(); });
  }
  for (auto& thread : threads) thread.join();
  for (const auto& status : results) EXPECT_TRUE(status.ok()) << status;
  EXPECT_EQ(MigrationRows(db_).size(), EmbeddedMigrations().size());
}

TEST_F(StoreDatabaseTest, RefusesASchemaNewerThanTheBinary) {
  ASSERT_TRUE(NewStore()->Open().ok());
  ASSERT_TRUE(
      db_.Query("INSERT INTO schema_migrations (version, name) VALUES (9999, 'future')").ok());
  absl::Status status = NewStore()->Open();
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
  EXPECT_NE(status.message().find("9999"), absl::string_view::npos) << status;
}

TEST_F(StoreDatabaseTest, UnreachableServerIsUnavailable) {
  // Port 1 on loopback: nothing listens there, so the connect fails at once.
  PgStore store(
      PgStoreOptions{.dsn = "host=127.0.0.1 port=1 user=postgres dbname=postgres connect_timeout=5", .pool_size = 1});
  absl::Status status = store.Open();
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable) << status;
}

}  // namespace
}  // namespace benchd::daemon
