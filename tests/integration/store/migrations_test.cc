#include <thread>

#include "daemon/store/migrations.h"
#include "spdlog/fmt/fmt.h"
#include "tests/integration/store/store_fixture.h"

namespace benchd::daemon {
namespace {

using Rows = std::vector<benchd::testing::TestDatabase::Row>;

Rows MigrationRows(const benchd::testing::TestDatabase& db) {
  auto rows = db.Query("SELECT version, name, applied_at FROM schema_migrations ORDER BY version");
  EXPECT_TRUE(rows.ok()) << rows.status();
  return rows.ok() ? *rows : Rows{};
}

// Brings an empty database to the schema just before migration `version`,
// as a database made by an older coordinator would be.
void ApplyMigrationsBefore(benchd::testing::TestDatabase& db, int version) {
  ASSERT_TRUE(db.Query("CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL, "
                       "applied_at timestamptz NOT NULL DEFAULT now())")
                  .ok());
  for (const Migration& migration : EmbeddedMigrations()) {
    if (migration.version >= version) break;
    ASSERT_TRUE(db.Query(std::string(migration.sql)).ok()) << migration.name;
    ASSERT_TRUE(db.Query("INSERT INTO schema_migrations (version, name) VALUES (" +
                         std::to_string(migration.version) + ", '" + std::string(migration.name) + "')")
                    .ok());
  }
}

struct OldExperiment {
  int ordinal;
  std::string platform, parameters, state;
};

// Sweep 1 with one set of run settings and `experiments`, as a coordinator
// since migration 4 stored them.
void InsertOldSweep(benchd::testing::TestDatabase& db, const std::vector<OldExperiment>& experiments) {
  ASSERT_TRUE(db.Query("INSERT INTO sweeps (name, yaml) VALUES ('old', 'name: old')").ok());
  ASSERT_TRUE(db.Query("INSERT INTO run_settings (sweep_id, warmup, iterations, repeats, timeout_ms, "
                       "min_duration_ms, power_sample_hz, power_idle_ms, power_base_ms) "
                       "VALUES (1, 1, 10, 1, 5000, 0, 0, 0, 0)")
                  .ok());
  std::string rows;
  for (const OldExperiment& e : experiments) {
    rows += (rows.empty() ? "" : ", ") + fmt::format("(1, {}, '{}', '{}', 3, 1, '{}')", e.ordinal, e.platform,
                                                     e.parameters, e.state);
  }
  ASSERT_TRUE(db.Query("INSERT INTO experiments (sweep_id, ordinal, platform, parameters, max_attempts, "
                       "settings_id, state) VALUES " + rows)
                  .ok());
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
  ApplyMigrationsBefore(db_, 4);
  if (HasFatalFailure()) return;
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

// 0007 makes experiments a partitioned table: the existing rows become its
// first partition and keep their ids, runs and queries; new sweeps get
// partitions of their own above them.
TEST_F(StoreDatabaseTest, PartitionMigrationKeepsExistingExperimentsAndRuns) {
  ApplyMigrationsBefore(db_, 7);
  if (HasFatalFailure()) return;
  InsertOldSweep(db_, {{0, "host-cpu", R"({"batch": 1})", "succeeded"}, {1, "host-cpu", R"({"batch": 8})", "pending"}});
  if (HasFatalFailure()) return;
  ASSERT_TRUE(db_.Query("INSERT INTO runs (experiment_id, attempt, agent, device, state, lease_ms, lease_expires_at) "
                        "SELECT id, 1, 'a', 'dev0', 'succeeded', 1000, now() FROM experiments WHERE ordinal = 0")
                  .ok());
  const std::string old_ids = Value("SELECT string_agg(id::text, ',' ORDER BY id) FROM experiments");

  auto store = NewStore();
  absl::Status opened = store->Open();
  ASSERT_TRUE(opened.ok()) << opened;
  EXPECT_EQ(Value("SELECT relkind FROM pg_class WHERE relname = 'experiments'"), "p");
  EXPECT_EQ(Value("SELECT string_agg(id::text, ',' ORDER BY id) FROM experiments"), old_ids);
  EXPECT_EQ(Value("SELECT pg_typeof(parameters)::text FROM experiments LIMIT 1"), "json");
  EXPECT_EQ(Value("SELECT parameters->>'batch' FROM experiments WHERE ordinal = 1"), "8");
  EXPECT_EQ(Value("SELECT count(*) FROM runs r JOIN experiments e ON e.id = r.experiment_id"), "1");
  auto experiments = store->ListExperiments(1);
  ASSERT_TRUE(experiments.ok()) << experiments.status();
  ASSERT_EQ(experiments->size(), 2u);
  EXPECT_EQ((*experiments)[1].parameters().values().at("batch").int_value(), 8);
  auto claim = ClaimNext(*store, {"a", "dev0", "host-cpu"}, std::chrono::minutes(1));
  ASSERT_TRUE(claim.ok() && claim->has_value()) << claim.status();
  EXPECT_EQ(Value("SELECT ordinal FROM experiments WHERE id = " + std::to_string((*claim)->experiment_id)), "1");

  NewSweep sweep{"new", "name: new", {}};
  for (int i = 0; i < 3; ++i) {
    NewExperiment experiment;
    experiment.ordinal = i;
    experiment.platform = "host-cpu";
    experiment.parameters_json = R"({"batch":2})";
    sweep.experiments.push_back(experiment);
  }
  auto created = store->CreateSweep(sweep);
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ(Value("SELECT min(id) > (SELECT max(id) FROM experiments WHERE sweep_id = 1) FROM experiments "
                  "WHERE sweep_id = " + std::to_string(*created)),
            "t");
  // A small sweep joins the old rows in the shared partition.
  EXPECT_EQ(Value("SELECT string_agg(c.relname, ',') FROM pg_inherits h JOIN pg_class c ON c.oid = h.inhrelid "
                  "WHERE h.inhparent = 'experiments'::regclass"),
            "experiments_shared");
  EXPECT_EQ(Value("SELECT first_experiment_id < end_experiment_id FROM sweeps WHERE id = 1"), "t");
  // Deleting an old experiment still takes its runs with it.
  ASSERT_TRUE(db_.Query("DELETE FROM experiments WHERE sweep_id = 1 AND ordinal = 0").ok());
  EXPECT_EQ(Value("SELECT count(*) FROM runs WHERE device = 'dev0' AND state = 'succeeded'"), "0");
}

// Before migration 10 a figure a run did not report was stored as 0.
TEST_F(StoreDatabaseTest, UnreportedFiguresMigrationTurnsTheirZerosIntoNull) {
  ApplyMigrationsBefore(db_, 10);
  if (HasFatalFailure()) return;
  InsertOldSweep(db_, {{0, "zcu102-dpu", "{}", "succeeded"}, {1, "host-cpu", "{}", "succeeded"}});
  if (HasFatalFailure()) return;
  // A DPU run with only a mean; a host-cpu run with samples whose spread is 0.
  ASSERT_TRUE(db_.Query("INSERT INTO runs (experiment_id, attempt, agent, device, state, lease_ms, lease_expires_at, "
                        "latency_count, mean_us, std_us, min_us, max_us, median_us, p90_us, p95_us, p99_us, "
                        "ci95_low_us, ci95_high_us, fps, gops) "
                        "SELECT id, 1, 'a', 'd', 'succeeded', 1000, now(), 500, 9979.9, 0, 0, 0, 0, 0, 0, 0, 0, 0, "
                        "100.2, 0 FROM experiments WHERE ordinal = 0 "
                        "UNION ALL SELECT id, 1, 'a', 'c', 'succeeded', 1000, now(), 2, 40, 0, 40, 40, 40, 40, 40, 40, "
                        "40, 40, 25000, 1.5 FROM experiments WHERE ordinal = 1")
                  .ok());
  ASSERT_TRUE(db_.Query("INSERT INTO latency_samples (run_id, repeat, idx, kind, latency_us) "
                        "SELECT r.id, 0, i, 2, 40 FROM runs r, generate_series(0, 1) i WHERE r.device = 'c'")
                  .ok());

  auto store = NewStore();
  absl::Status opened = store->Open();
  ASSERT_TRUE(opened.ok()) << opened;
  EXPECT_EQ(Value("SELECT concat_ws(',', mean_us, std_us, min_us, max_us, median_us, p90_us, p95_us, p99_us, "
                  "ci95_low_us, ci95_high_us, fps, gops) FROM runs WHERE device = 'd'"),
            "9979.9,100.2");
  EXPECT_EQ(Value("SELECT concat_ws(',', mean_us, std_us, min_us, fps, gops) FROM runs WHERE device = 'c'"),
            "40,0,40,25000,1.5");
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
