#include <csignal>
#include <fstream>

#include "daemon/store/embedded_postgres.h"
#include "tests/integration/store/store_fixture.h"
#include "tests/support/temp_dir.h"
#include "tests/support/wait_until.h"

namespace benchd::daemon {
namespace {

// Its own server (not the suite's), because the test stops it.
TEST(PgStoreRestartTest, StoreSurvivesADatabaseRestart) {
  benchd::testing::TempDir dir("benchd-restart");
  EmbeddedPostgresOptions options;
  options.durable = false;
  EmbeddedPostgres postgres(options);
  auto dsn = postgres.Start(dir.path());
  ASSERT_TRUE(dsn.ok()) << dsn.status();
  const int port = postgres.port();

  PgStore store(PgStoreOptions{.dsn = *dsn, .pool_size = 2});
  ASSERT_TRUE(store.Open().ok());
  NewSweep sweep{"restart", "", {}};
  NewExperiment experiment;
  experiment.platform = "host-cpu";
  sweep.experiments.push_back(experiment);
  auto sweep_id = store.CreateSweep(sweep);
  ASSERT_TRUE(sweep_id.ok()) << sweep_id.status();
  ASSERT_TRUE(store.ListSweeps().ok());  // the pool now holds open connections

  ASSERT_TRUE(postgres.Stop().ok());
  auto restarted = postgres.Start(dir.path(), port);
  ASSERT_TRUE(restarted.ok()) << restarted.status();
  EXPECT_EQ(*restarted, *dsn);

  // The very next call works: its pooled connection is dead, and is
  // replaced within the call.
  auto after = store.GetSweep(*sweep_id);
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_EQ(after->progress().total(), 1);

  // While the server is down, calls fail fast as UNAVAILABLE, and the store
  // recovers once it is back.
  ASSERT_TRUE(postgres.Stop().ok());
  auto while_down = store.GetSweep(*sweep_id);
  EXPECT_EQ(while_down.status().code(), absl::StatusCode::kUnavailable) << while_down.status();
  ASSERT_TRUE(postgres.Start(dir.path(), port).ok());
  auto claim = ClaimNext(store, {"a", "cpu0", "host-cpu"}, std::chrono::minutes(1));
  ASSERT_TRUE(claim.ok()) << claim.status();
  EXPECT_TRUE(claim->has_value());
}

TEST(PgStoreRestartTest, EmbeddedPostgresReusesItsClusterAndRecoversFromAStaleLock) {
  benchd::testing::TempDir dir("benchd-reuse");
  EmbeddedPostgresOptions options;
  options.durable = false;
  std::string dsn;
  {
    EmbeddedPostgres postgres(options);
    auto started = postgres.Start(dir.path());
    ASSERT_TRUE(started.ok()) << started.status();
    dsn = *started;
    PgStore store(PgStoreOptions{.dsn = dsn, .pool_size = 1});
    ASSERT_TRUE(store.Open().ok());
    ASSERT_TRUE(store.CreateSweep(NewSweep{"kept", "", {}}).ok());
  }  // the destructor stops the server

  // A crash leaves a lock file naming a process that is not a postmaster.
  {
    std::ofstream lock(dir.path() + "/pg/data/postmaster.pid");
    lock << "1\n";
  }
  EmbeddedPostgres postgres(options);
  auto started = postgres.Start(dir.path());
  ASSERT_TRUE(started.ok()) << started.status();
  PgStore store(PgStoreOptions{.dsn = *started, .pool_size = 1});
  ASSERT_TRUE(store.Open().ok());
  auto sweeps = store.ListSweeps();
  ASSERT_TRUE(sweeps.ok()) << sweeps.status();
  ASSERT_EQ(sweeps->size(), 1u);
  EXPECT_EQ((*sweeps)[0].name(), "kept");
}

TEST(PgStoreRestartTest, EmbeddedPostgresKilledIsRestartedInPlace) {
  benchd::testing::TempDir dir("benchd-killed");
  // Durable, as benchd runs it: a fast test server loses its last commits
  // when killed.
  EmbeddedPostgres postgres;
  EXPECT_EQ(postgres.Restart().code(), absl::StatusCode::kFailedPrecondition);  // never started
  auto dsn = postgres.Start(dir.path());
  ASSERT_TRUE(dsn.ok()) << dsn.status();
  EXPECT_TRUE(postgres.ServerAlive());
  PgStore store(PgStoreOptions{.dsn = *dsn, .pool_size = 1});
  ASSERT_TRUE(store.Open().ok());
  ASSERT_TRUE(store.CreateSweep(NewSweep{"kept", "", {}}).ok());

  std::ifstream pid_file(dir.path() + "/pg/data/postmaster.pid");
  pid_t postmaster = 0;
  ASSERT_TRUE(pid_file >> postmaster);
  ASSERT_EQ(::kill(postmaster, SIGKILL), 0);
  ASSERT_TRUE(benchd::testing::WaitUntil([&] { return !postgres.ServerAlive(); }, std::chrono::seconds(10)));

  // Backends of the killed server may still be leaving: a refused start is
  // tried again, as the supervisor does.
  absl::Status restarted;
  ASSERT_TRUE(benchd::testing::WaitUntil([&] { return (restarted = postgres.Restart()).ok(); },
                                         std::chrono::seconds(30)))
      << restarted;
  EXPECT_TRUE(postgres.ServerAlive());
  EXPECT_EQ(postgres.dsn(), *dsn);  // same port: the pool reconnects by itself
  auto sweeps = store.ListSweeps();
  ASSERT_TRUE(sweeps.ok()) << sweeps.status();
  ASSERT_EQ(sweeps->size(), 1u);

  ASSERT_TRUE(postgres.Stop().ok());
  EXPECT_FALSE(postgres.ServerAlive());
}

}  // namespace
}  // namespace benchd::daemon
