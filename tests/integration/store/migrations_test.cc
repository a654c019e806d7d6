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

// 0004 moves the run settings of existing experiments into run_settings:
// one row per distinct set in a sweep, and claims still get them.
TEST_F(StoreDatabaseTest, RunSettingsMigrationKeepsExistingExperimentsSettings) {
  ASSERT_TRUE(db_.Query("CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL, "
                        "applied_at timestamptz NOT NULL DEFAULT now())")
                  .ok());
  for (const Migration& migration : EmbeddedMigrations()) {
    if (migration.version >= 4) break;
    ASSERT_TRUE(db_.Query(std::string(migration.sql)).ok()) << migration.name;
    ASSERT_TRUE(db_.Query("INSERT INTO schema_migrations (version, name) VALUES (" +
                          std::to_string(migration.version) + ", '" + std::string(migration.name) + "')")
                    .ok());
  }
  ASSERT_TRUE(db_.Query("INSERT INTO sweeps (name, yaml) VALUES ('old', 'name: old')").ok());
  ASSERT_TRUE(db_.Query("INSERT INTO experiments (sweep_id, ordinal, platform, parameters, warmup, iterations, "
                        "repeats, timeout_ms, max_attempts, requires, power_sample_hz) VALUES "
                        "(1, 0, 'host-cpu', '{\"batch\": 1}', 2, 20, 1, 5000, 3, '{\"lab\": \"b1\"}', 100), "
                        "(1, 1, 'host-cpu', '{\"batch\": 8}', 2, 20, 1, 5000, 3, '{\"lab\": \"b1\"}', 100), "
                        "(1, 2, 'tx2', '{\"batch\": 1}', 2, 30, 1, 5000, 3, '{}', 0)")
                  .ok());
  auto store = NewStore();
  ASSERT_TRUE(store->Open().ok());
  EXPECT_EQ(Value("SELECT count(*) FROM run_settings"), "2");
  EXPECT_EQ(Value("SELECT string_agg(iterations || ':' || (requires->>'lab'), ',' ORDER BY experiment_id) "
                  "FROM experiment_settings WHERE platform = 'host-cpu'"),
            "20:b1,20:b1");
  auto claim = ClaimNext(*store, {"a", "dev0", "tx2"}, std::chrono::minutes(1));
  ASSERT_TRUE(claim.ok() && claim->has_value()) << claim.status();
  EXPECT_EQ((*claim)->settings.iterations(), 30);
  EXPECT_EQ((*claim)->settings.warmup(), 2);
  EXPECT_EQ((*claim)->settings.timeout_ms(), 5000);
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
