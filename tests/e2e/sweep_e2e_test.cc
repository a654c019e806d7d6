// End to end: benchctl -> benchd -> bench-agent -> benchd-host-mlp ->
// PostgreSQL -> benchctl results, with real processes on loopback.

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/e2e/child_process.h"
#include "tests/e2e/cluster.h"
#include "tests/support/wait_until.h"

namespace benchd::testing {
namespace {

using namespace std::chrono_literals;

constexpr char kSmallSweep[] = R"(name: e2e-small
platform: host-cpu
model: {topology: MLP, dataset: mnist}
matrix:
  precision: [FP32, INT8]
  pruning: [25, 12.5]
  batch: [1, 4]
run: {warmup: 5, iterations: 40, timeout: 1m}
)";

// Every experiment has exactly one successful run, and that run has exactly
// `iterations` latency samples with no (run, repeat, index) stored twice.
void ExpectExactlyOnceResults(Cluster& cluster, int experiments, int iterations) {
  EXPECT_EQ(cluster.QueryValue("SELECT count(*) FROM experiments WHERE state = 'succeeded'"),
            std::to_string(experiments));
  EXPECT_EQ(cluster.QueryValue("SELECT count(*) FROM (SELECT experiment_id FROM runs WHERE state = 'succeeded' "
                               "GROUP BY experiment_id HAVING count(*) <> 1) AS bad"),
            "0");
  EXPECT_EQ(cluster.QueryValue("SELECT count(*) FROM (SELECT r.id FROM runs r LEFT JOIN latency_samples s "
                               "ON s.run_id = r.id WHERE r.state = 'succeeded' GROUP BY r.id HAVING count(s.run_id) <> " +
                               std::to_string(iterations) + ") AS bad"),
            "0");
  EXPECT_EQ(cluster.QueryValue("SELECT count(*) FROM (SELECT 1 FROM latency_samples "
                               "GROUP BY run_id, repeat, idx HAVING count(*) > 1) AS dup"),
            "0");
}

TEST(SweepE2ETest, SmallSweepCompletesAndResultsArePrinted) {
  Cluster cluster;
  ASSERT_NO_FATAL_FAILURE(cluster.StartBenchd());
  cluster.StartAgent("agent-a");
  const std::string sweep = cluster.WriteFile("small.yaml", kSmallSweep);

  CommandResult submit = cluster.Benchctl({"submit", sweep, "--watch"});
  ASSERT_EQ(submit.exit_code, 0) << submit.out << submit.err << cluster.Logs();
  EXPECT_NE(submit.out.find("sweep 1 submitted"), std::string::npos) << submit.out;
  EXPECT_NE(submit.out.find("8 succeeded, 0 failed"), std::string::npos) << submit.out;

  ExpectExactlyOnceResults(cluster, 8, 40);
  // The one device's next experiment was claimed by the transaction that
  // stored its last one's success (rows one transaction inserted share their
  // xmin): all assignments but the first.
  EXPECT_EQ(cluster.QueryValue("SELECT count(*) FROM events a JOIN events s ON s.xmin::text = a.xmin::text "
                               "AND s.kind = 'run_succeeded' AND s.device = a.device WHERE a.kind = 'run_assigned'"),
            "7");

  CommandResult csv = cluster.Benchctl({"results", "1", "--format", "csv"});
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  std::istringstream lines(csv.out);
  std::string header;
  std::getline(lines, header);
  EXPECT_EQ(header.rfind("platform,", 0), 0u) << header;
  for (const char* column : {"precision", "pruning", "batch", "mean_us", "p99_us", "fps", "gops"}) {
    EXPECT_NE(header.find(column), std::string::npos) << column << " missing in " << header;
  }
  int rows = 0;
  for (std::string line; std::getline(lines, line);) rows += line.empty() ? 0 : 1;
  EXPECT_EQ(rows, 8) << csv.out;

  CommandResult json = cluster.Benchctl({"results", "1", "--format", "json"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  auto parsed = nlohmann::json::parse(json.out);
  ASSERT_EQ(parsed.size(), 8u);
  for (const auto& row : parsed) {
    EXPECT_GT(row["mean_us"].get<double>(), 0.0);
    EXPECT_GE(row["p99_us"].get<double>(), row["median_us"].get<double>());
    EXPECT_EQ(row["samples"].get<int64_t>(), 40);
  }

  CommandResult agents = cluster.Benchctl({"agents"});
  EXPECT_EQ(agents.exit_code, 0);
  EXPECT_NE(agents.out.find("agent-a"), std::string::npos) << agents.out;
  EXPECT_NE(agents.out.find("cpu0"), std::string::npos) << agents.out;

  cluster.agent("agent-a").Signal(SIGTERM);
  EXPECT_TRUE(cluster.agent("agent-a").WaitFor(std::chrono::seconds(30)).has_value());
  ASSERT_NO_FATAL_FAILURE(cluster.StopBenchd());
}

// A sweep of 100,000 points goes through benchctl and benchd into two tables
// of its own above the shared partition (migration 0007); a real agent's
// claims find its experiments there, and cancelling reaches all of them.
TEST(SweepE2ETest, AHundredThousandPointSweepIsStoredInItsOwnTablesRunAndCancelled) {
  Cluster cluster;
  ASSERT_NO_FATAL_FAILURE(cluster.StartBenchd());
  std::string yaml =
      "name: e2e-large\nplatform: host-cpu\nmodel: {topology: MLP, dataset: mnist}\nmatrix:\n"
      "  precision: [FP32]\n  pruning: [12.5]\n  batch: [1]\n";
  for (const auto& [axis, values] : {std::pair{"a", 50}, std::pair{"b", 50}, std::pair{"c", 40}}) {
    yaml += std::string("  ") + axis + ": [";
    for (int i = 0; i < values; ++i) yaml += (i > 0 ? ", " : "") + std::to_string(i);
    yaml += "]\n";
  }
  yaml += "run: {warmup: 1, iterations: 5, timeout: 1m}\n";
  CommandResult submit = cluster.Benchctl({"submit", cluster.WriteFile("large.yaml", yaml)});
  ASSERT_EQ(submit.exit_code, 0) << submit.out << submit.err << cluster.Logs();
  EXPECT_NE(submit.out.find("100000 experiments"), std::string::npos) << submit.out;
  EXPECT_EQ(cluster.QueryValue("SELECT string_agg(c.relname || ':' || c.reltuples::bigint, ',' ORDER BY c.relname) "
                               "FROM pg_inherits h JOIN pg_class c ON c.oid = h.inhrelid "
                               "WHERE h.inhparent = 'experiments'::regclass AND c.relname <> 'experiments_shared'"),
            "experiments_sweep_1_1:50000,experiments_sweep_1_2:50000");
  EXPECT_EQ(cluster.QueryValue("SELECT first_experiment_id >= 4503599627370496 AND "
                               "end_experiment_id - first_experiment_id = 100000 FROM sweeps WHERE id = 1"),
            "t");

  cluster.StartAgent("agent-a");
  ASSERT_TRUE(WaitUntil(
      [&] { return StoredNumber(cluster.QueryValue("SELECT count(*) FROM runs WHERE state = 'succeeded'")) >= 3; },
      60s))
      << cluster.Logs();
  CommandResult cancel = cluster.Benchctl({"cancel", "1"});
  ASSERT_EQ(cancel.exit_code, 0) << cancel.out << cancel.err;
  ASSERT_TRUE(WaitUntil(
      [&] { return cluster.QueryValue("SELECT count(*) FROM experiments WHERE state IN ('pending', 'running')") == "0"; },
      30s))
      << cluster.Logs();
  EXPECT_EQ(cluster.QueryValue("SELECT count(*) FROM experiments WHERE state = 'cancelled'"),
            std::to_string(100000 - static_cast<int>(StoredNumber(cluster.QueryValue(
                                        "SELECT count(*) FROM experiments WHERE state = 'succeeded'")))));
  EXPECT_EQ(cluster.QueryValue("SELECT count(*) FROM runs r JOIN experiments e ON e.id = r.experiment_id "
                               "WHERE r.state = 'succeeded' AND e.id < 4503599627370496"),
            "0");
  ASSERT_NO_FATAL_FAILURE(cluster.StopBenchd());
}

TEST(SweepE2ETest, AgentKilledMidRunIsRestartedAndTheSweepCompletesWithoutDuplicates) {
  Cluster cluster;
  ASSERT_NO_FATAL_FAILURE(cluster.StartBenchd());
  cluster.StartAgent("agent-k");
  // Long enough per experiment (about a second or more) to be killed mid-run.
  const std::string sweep = cluster.WriteFile("long.yaml", R"(name: e2e-kill
platform: host-cpu
model: {topology: MLP, dataset: mnist}
matrix:
  precision: [FP32]
  pruning: [100]
  batch: [32, 48, 64, 96]
run: {warmup: 2, iterations: 60, timeout: 2m}
)");
  CommandResult submit = cluster.Benchctl({"submit", sweep});
  ASSERT_EQ(submit.exit_code, 0) << submit.err;

  // Kill -9 while a benchmark is running, after at least one run started.
  ASSERT_TRUE(WaitUntil([&] { return cluster.QueryValue("SELECT count(*) FROM runs WHERE state = 'running'") == "1"; },
                        std::chrono::seconds(60)))
      << cluster.Logs();
  cluster.agent("agent-k").Signal(SIGKILL);
  ASSERT_TRUE(cluster.agent("agent-k").WaitFor(std::chrono::seconds(10)).has_value());
  cluster.StartAgent("agent-k");

  ASSERT_TRUE(WaitUntil(
      [&] { return cluster.QueryValue("SELECT count(*) FROM experiments WHERE state IN ('pending', 'running')") == "0"; },
      std::chrono::seconds(180)))
      << cluster.Logs();

  ExpectExactlyOnceResults(cluster, 4, 60);
  // The killed attempt is on record, as lost or failed, never as a success.
  EXPECT_GE(std::stoi(cluster.QueryValue("SELECT count(*) FROM runs WHERE state IN ('lost', 'failed')")), 1)
      << cluster.Logs();
  ASSERT_NO_FATAL_FAILURE(cluster.StopBenchd());
}

// Eight host-cpu points of 50 timed inferences: long enough to interrupt
// mid-sweep, short enough for a test.
std::string EightPointHostSweep(const std::string& name) {
  return "name: " + name + R"(
platform: host-cpu
model: {topology: MLP, dataset: mnist}
matrix:
  precision: [FP32, INT8]
  pruning: [100, 50]
  batch: [16, 32]
run: {warmup: 2, iterations: 50, timeout: 2m}
)";
}

TEST(SweepE2ETest, CoordinatorRestartMidSweepLosesNothing) {
  Cluster cluster;
  ASSERT_NO_FATAL_FAILURE(cluster.StartBenchd());
  cluster.StartAgent("agent-r");
  const std::string sweep = cluster.WriteFile("restart.yaml", EightPointHostSweep("e2e-restart"));
  ASSERT_EQ(cluster.Benchctl({"submit", sweep}).exit_code, 0);
  ASSERT_TRUE(WaitUntil([&] { return cluster.QueryValue("SELECT count(*) >= 2 FROM runs WHERE state = 'succeeded'") == "t"; },
                        std::chrono::seconds(60)))
      << cluster.Logs();

  // A user watching the sweep: the watch rides out the restart.
  const std::string address = cluster.address();
  ChildProcess watcher({BENCHCTL_BIN, "--coordinator", address, "watch", "1"}, cluster.path("watch.log"));
  ASSERT_TRUE(WaitUntil([&] { return watcher.Log().find("sweep 1: ") != std::string::npos; },
                        std::chrono::seconds(30)))
      << watcher.Log();

  // The agent keeps measuring while benchd is down, spools its reports, and
  // replays them when benchd is back at the same address.
  ASSERT_NO_FATAL_FAILURE(cluster.StopBenchd());
  ASSERT_NO_FATAL_FAILURE(cluster.StartBenchd(address));
  CommandResult show = cluster.Benchctl({"show", "1"});
  EXPECT_EQ(show.exit_code, 0) << show.err;
  ASSERT_TRUE(WaitUntil(
      [&] { return cluster.QueryValue("SELECT count(*) FROM experiments WHERE state IN ('pending', 'running')") == "0"; },
      std::chrono::seconds(180)))
      << cluster.Logs();
  ExpectExactlyOnceResults(cluster, 8, 50);
  const std::optional<int> watched = watcher.WaitFor(std::chrono::seconds(30));
  ASSERT_TRUE(watched.has_value()) << watcher.Log();
  EXPECT_EQ(*watched, 0) << watcher.Log();
  EXPECT_NE(watcher.Log().find("; still trying"), std::string::npos) << watcher.Log();
  EXPECT_NE(watcher.Log().find("sweep 1 finished: 8 succeeded, 0 failed, 0 cancelled"), std::string::npos)
      << watcher.Log();
  ASSERT_NO_FATAL_FAILURE(cluster.StopBenchd());
}

TEST(SweepE2ETest, EmbeddedPostgresIsStartedStoppedAndReused) {
  Cluster cluster;
  ASSERT_NO_FATAL_FAILURE(cluster.StartEmbeddedBenchd());
  const std::string sweep = cluster.WriteFile("kept.yaml", "name: kept\nplatform: host-cpu\nmatrix: {batch: [1, 2]}\n");
  ASSERT_EQ(cluster.Benchctl({"submit", sweep}).exit_code, 0);
  const std::string pg_dir = cluster.path("benchd-data/pg");
  ASSERT_TRUE(std::filesystem::exists(pg_dir)) << cluster.Logs();

  // A second benchd on the same directory refuses to start, and leaves the
  // first one's server alone.
  ChildProcess second({BENCHD_BIN, "--config", cluster.path("benchd-embedded.yaml")}, cluster.path("second.log"));
  const std::optional<int> exit_code = second.WaitFor(std::chrono::seconds(30));
  ASSERT_TRUE(exit_code.has_value()) << second.Log();
  EXPECT_NE(*exit_code, 0);
  EXPECT_NE(second.Log().find("is in use by another benchd (pid "), std::string::npos) << second.Log();
  EXPECT_EQ(cluster.Benchctl({"sweeps"}).exit_code, 0) << cluster.Logs();
  ASSERT_NO_FATAL_FAILURE(cluster.StopBenchd());
  // Stopped with benchd: no postmaster left behind.
  bool postmaster_left = false;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(pg_dir)) {
    postmaster_left = postmaster_left || entry.path().filename() == "postmaster.pid";
  }
  EXPECT_FALSE(postmaster_left) << cluster.Logs();

  ASSERT_NO_FATAL_FAILURE(cluster.StartEmbeddedBenchd());
  CommandResult sweeps = cluster.Benchctl({"sweeps"});
  EXPECT_EQ(sweeps.exit_code, 0) << sweeps.err;
  EXPECT_NE(sweeps.out.find("kept"), std::string::npos) << "the sweep did not survive the restart:\n" << sweeps.out;
  ASSERT_NO_FATAL_FAILURE(cluster.StopBenchd());
}

// The embedded PostgreSQL dies mid-sweep (as under the OOM killer): benchd
// restarts it in place, the agent's spooled reports land, and the sweep
// completes with one result per experiment.
TEST(SweepE2ETest, EmbeddedPostgresKilledMidSweepIsRestartedAndTheSweepCompletes) {
  Cluster cluster;
  ASSERT_NO_FATAL_FAILURE(cluster.StartEmbeddedBenchd());
  cluster.StartAgent("agent-pg");
  const std::string sweep = cluster.WriteFile("pg-killed.yaml", EightPointHostSweep("e2e-pg-killed"));
  ASSERT_EQ(cluster.Benchctl({"submit", sweep}).exit_code, 0) << cluster.Logs();
  auto result_rows = [&] {
    CommandResult results = cluster.Benchctl({"results", "1", "-f", "csv"});
    return results.exit_code == 0 ? std::count(results.out.begin(), results.out.end(), '\n') - 1 : -1;
  };
  ASSERT_TRUE(WaitUntil([&] { return result_rows() >= 1; }, std::chrono::seconds(60))) << cluster.Logs();

  std::ifstream pid_file(cluster.path("benchd-data/pg/data/postmaster.pid"));
  pid_t postmaster = 0;
  ASSERT_TRUE(pid_file >> postmaster) << "no postmaster.pid";
  ASSERT_EQ(::kill(postmaster, SIGKILL), 0);

  ASSERT_TRUE(WaitUntil([&] { return result_rows() == 8; }, std::chrono::seconds(120))) << cluster.Logs();
  CommandResult watch = cluster.Benchctl({"watch", "1"});
  EXPECT_EQ(watch.exit_code, 0) << watch.out << watch.err;
  EXPECT_NE(watch.out.find("8 succeeded, 0 failed"), std::string::npos) << watch.out;
  const std::string log = cluster.Logs();
  EXPECT_NE(log.find("is not running (its log: "), std::string::npos) << log;
  EXPECT_NE(log.find("embedded PostgreSQL restarted on port"), std::string::npos) << log;
  ASSERT_NO_FATAL_FAILURE(cluster.StopBenchd());
}

TEST(SweepE2ETest, ResubmissionSkipsMeasuredPointsAndRerunRequeuesFailures) {
  Cluster cluster;
  ASSERT_NO_FATAL_FAILURE(cluster.StartBenchd());
  cluster.StartAgent("agent-s");
  const std::string first = cluster.WriteFile("first.yaml", R"(name: resume
platform: host-cpu
model: {topology: MLP, dataset: mnist}
matrix: {precision: [INT8], pruning: [12.5], batch: [1, 2]}
run: {warmup: 1, iterations: 10}
)");
  ASSERT_EQ(cluster.Benchctl({"submit", first, "--watch"}).exit_code, 0) << cluster.Logs();

  // The edited file adds batch 4: only that point is stored and run.
  const std::string edited = cluster.WriteFile("edited.yaml", R"(name: resume
platform: host-cpu
model: {topology: MLP, dataset: mnist}
matrix: {precision: [INT8], pruning: [12.5], batch: [1, 2, 4]}
run: {warmup: 1, iterations: 10}
)");
  CommandResult resumed = cluster.Benchctl({"submit", edited, "--resume", "1", "--watch"});
  ASSERT_EQ(resumed.exit_code, 0) << resumed.out << resumed.err;
  EXPECT_NE(resumed.out.find("sweep 2 submitted (resume): 1 experiments"), std::string::npos) << resumed.out;
  EXPECT_NE(resumed.out.find("2 points already measured in sweep 1 were left out"), std::string::npos) << resumed.out;
  EXPECT_EQ(cluster.QueryValue("SELECT parameters->>'batch' FROM experiments WHERE sweep_id = 2"), "4");

  // A timeout no run can meet fails every attempt; rerun puts them back.
  const std::string failing = cluster.WriteFile("failing.yaml", R"(name: failing
platform: host-cpu
model: {topology: MLP, dataset: mnist}
matrix: {precision: [FP32], pruning: [100], batch: [64]}
run: {warmup: 1, iterations: 1000, timeout: 1ms, retries: 0}
)");
  CommandResult failed = cluster.Benchctl({"submit", failing, "--watch"});
  EXPECT_EQ(failed.exit_code, 5) << failed.out << failed.err;
  // A finished sweep is not cancelled after the fact (that would refuse the
  // rerun below); each refusal names the request once.
  CommandResult late_cancel = cluster.Benchctl({"cancel", "3"});
  EXPECT_EQ(late_cancel.exit_code, 2) << late_cancel.err;
  EXPECT_EQ(late_cancel.err, "benchctl: cancel sweep 3: sweep 3 has finished: nothing is pending or running to cancel\n");
  CommandResult unknown_cancel = cluster.Benchctl({"cancel", "99"});
  EXPECT_EQ(unknown_cancel.exit_code, 4) << unknown_cancel.err;
  EXPECT_EQ(unknown_cancel.err, "benchctl: cancel sweep 99: no such sweep\n");
  CommandResult rerun = cluster.Benchctl({"rerun", "3", "--failed"});
  ASSERT_EQ(rerun.exit_code, 0) << rerun.err;
  EXPECT_NE(rerun.out.find("sweep 3: 1 failed experiment(s) requeued"), std::string::npos) << rerun.out;
  ASSERT_TRUE(WaitUntil([&] { return cluster.QueryValue("SELECT count(*) FROM runs r JOIN experiments e ON "
                                                        "e.id = r.experiment_id WHERE e.sweep_id = 3 AND "
                                                        "r.state = 'failed'") == "2"; },
                        std::chrono::seconds(60)))
      << cluster.Logs();
  EXPECT_EQ(cluster.QueryValue("SELECT max(attempt) FROM runs r JOIN experiments e ON e.id = r.experiment_id "
                               "WHERE e.sweep_id = 3"),
            "2");
  EXPECT_EQ(cluster.Benchctl({"rerun", "99", "--failed"}).exit_code, 4);
  ASSERT_NO_FATAL_FAILURE(cluster.StopBenchd());
}

TEST(SweepE2ETest, BadSweepsAreRejectedWithTheirLocationAndStoreNothing) {
  Cluster cluster;
  ASSERT_NO_FATAL_FAILURE(cluster.StartBenchd());

  const std::string malformed = cluster.WriteFile("malformed.yaml", "name: bad\nmatrix:\n  batch: [1, 2\n");
  CommandResult result = cluster.Benchctl({"submit", malformed});
  EXPECT_EQ(result.exit_code, 2) << result.err;
  EXPECT_NE(result.err.find("malformed.yaml:4:1: invalid YAML"), std::string::npos) << result.err;

  const std::string unknown = cluster.WriteFile("unknown.yaml", "name: bad\nplatform: tx9\nmatrix: {batch: [1]}\n");
  result = cluster.Benchctl({"submit", unknown});
  EXPECT_EQ(result.exit_code, 2) << result.err;
  EXPECT_NE(result.err.find("unknown.yaml:2:11: platform: unknown platform 'tx9'"), std::string::npos) << result.err;

  const std::string wrong_type = cluster.WriteFile("type.yaml", "name: bad\nplatform: host-cpu\nrun: {iterations: x}\n");
  result = cluster.Benchctl({"submit", wrong_type});
  EXPECT_EQ(result.exit_code, 2) << result.err;
  EXPECT_NE(result.err.find("type.yaml:3:19: run.iterations: expected an integer"), std::string::npos) << result.err;

  EXPECT_EQ(cluster.QueryValue("SELECT count(*) FROM sweeps"), "0");
  EXPECT_EQ(cluster.QueryValue("SELECT count(*) FROM experiments"), "0");

  result = cluster.Benchctl({"show", "999"});
  EXPECT_EQ(result.exit_code, 4) << result.err;
  ASSERT_NO_FATAL_FAILURE(cluster.StopBenchd());
}

}  // namespace
}  // namespace benchd::testing
