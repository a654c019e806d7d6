// End to end: the experiment lifecycle under failures, with real benchd,
// bench-agent and benchctl processes on the suite's PostgreSQL. The devices
// are the command driver running small scripts, so each test controls how
// long a run takes and can find its benchmark process.

#include <signal.h>
#include <sys/types.h>

#include <filesystem>
#include <fstream>
#include <map>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/e2e/cluster.h"
#include "tests/support/wait_until.h"

namespace benchd::testing {
namespace {

using namespace std::chrono_literals;

// Sleeps `hold` seconds, then prints `iterations` latencies.
std::string SlowBenchmark(Cluster& cluster) {
  return cluster.WriteScript("slow-bench.sh",
                             "sleep \"$1\"\n"
                             "i=0\n"
                             "while [ \"$i\" -lt \"$2\" ]; do echo latency_us=250; i=$((i+1)); done\n");
}

std::string CommandDevice(const std::string& name, const std::string& argv_json, const std::string& extra = "") {
  return "  - name: " + name + "\n"
         "    driver: command\n"
         "    platform: host-cpu\n" + extra +
         "    options:\n"
         "      argv: '" + argv_json + "'\n"
         "      parser: kv\n"
         "      fields: latency_us=latency_us\n";
}

std::string SlowDevice(const std::string& name, const std::string& script) {
  return CommandDevice(name, "[\"" + script + "\", \"{hold}\", \"{iterations}\"]");
}

std::string HoldSweep(const std::string& name, const std::string& holds, int iterations, const std::string& extra = "") {
  return "name: " + name + "\nplatform: host-cpu\nmatrix:\n  hold: [" + holds + "]\n" + extra +
         "run: {iterations: " + std::to_string(iterations) + ", timeout: 1m, retries: 3}\n";
}

int64_t Number(Cluster& cluster, const std::string& sql) {
  const std::string value = cluster.QueryValue(sql);
  return value.empty() ? -1 : std::stoll(value);
}

bool ProcessAlive(pid_t pid) {
  // A zombie still answers kill(0); /proc tells it apart.
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return false;
  const auto close = line.rfind(')');
  return close != std::string::npos && close + 2 < line.size() && line[close + 2] != 'Z';
}

pid_t ReadPid(const std::string& file) {
  std::ifstream in(file);
  pid_t pid = 0;
  in >> pid;
  return pid;
}

void ExpectOneAcceptedAttemptAndNoDuplicateSamples(Cluster& cluster, int experiments, int iterations) {
  EXPECT_EQ(Number(cluster, "SELECT count(*) FROM experiments WHERE state = 'succeeded'"), experiments);
  EXPECT_EQ(Number(cluster, "SELECT count(*) FROM (SELECT experiment_id FROM runs WHERE state = 'succeeded' "
                            "GROUP BY experiment_id HAVING count(*) <> 1) AS bad"),
            0);
  EXPECT_EQ(Number(cluster, "SELECT count(*) FROM latency_samples s JOIN runs r ON r.id = s.run_id "
                            "WHERE r.state = 'succeeded'"),
            experiments * iterations);
  EXPECT_EQ(Number(cluster, "SELECT count(*) FROM (SELECT 1 FROM latency_samples "
                            "GROUP BY run_id, repeat, idx HAVING count(*) > 1) AS dup"),
            0);
}

// The host-cpu driver needs `precision`, the command device `batch` (its argv
// names it): each point goes to a device whose driver finds what it needs,
// and the point neither can run waits as unschedulable instead of failing.
TEST(LifecycleE2ETest, EachPointGoesToADeviceWhoseDriverHasTheParametersItNeeds) {
  Cluster cluster;
  ASSERT_NO_FATAL_FAILURE(cluster.StartBenchd());
  cluster.StartAgent("agent-a",
                     "  - name: cpu0\n"
                     "    driver: host-cpu\n"
                     "    platform: host-cpu\n"
                     "    options: {runtime: \"" HOST_MLP_BIN "\", threads: \"1\"}\n" +
                         CommandDevice("cmd0", R"(["/usr/bin/printf", "latency_us=%s\\n", "{batch}", "{batch}"])"));
  const std::string sweep = cluster.WriteFile("needs.yaml",
                                              "name: e2e-needs\n"
                                              "platform: host-cpu\n"
                                              "zip:\n"
                                              "  - {precision: [FP32, null, FP32, null], batch: [1, 2, null, null]}\n"
                                              "run: {warmup: 1, iterations: 5, timeout: 1m}\n");
  CommandResult submit = cluster.Benchctl({"submit", sweep});
  ASSERT_EQ(submit.exit_code, 0) << submit.out << submit.err << cluster.Logs();
  ASSERT_TRUE(WaitUntil(
      [&] { return Number(cluster, "SELECT count(*) FROM experiments WHERE state = 'succeeded'") == 3; }, 60s))
      << cluster.Logs();
  EXPECT_EQ(Number(cluster, "SELECT count(*) FROM runs WHERE state <> 'succeeded'"), 0);
  EXPECT_EQ(cluster.QueryValue("SELECT string_agg(e.ordinal || ':' || r.device, ',' ORDER BY e.ordinal) "
                               "FROM runs r JOIN experiments e ON e.id = r.experiment_id WHERE e.ordinal IN (1, 2)"),
            "1:cmd0,2:cpu0");
  EXPECT_EQ(cluster.QueryValue("SELECT state FROM experiments WHERE ordinal = 3"), "pending");

  CommandResult show = cluster.Benchctl({"show", "1"});
  ASSERT_EQ(show.exit_code, 0) << show.out << show.err;
  EXPECT_NE(show.out.find("1 pending (1 unschedulable)"), std::string::npos) << show.out;
  EXPECT_NE(show.out.find("unschedulable experiments (1):"), std::string::npos) << show.out;
  EXPECT_NE(show.out.find("every host-cpu device that admits it needs a parameter it does not set: batch, precision"),
            std::string::npos)
      << show.out;
  CommandResult devices = cluster.Benchctl({"devices", "--format", "json"});
  ASSERT_EQ(devices.exit_code, 0) << devices.out << devices.err;
  std::map<std::string, std::vector<std::string>> required;
  for (const auto& device : nlohmann::json::parse(devices.out)) {
    required[device.at("device").get<std::string>()] = device.at("required_parameters").get<std::vector<std::string>>();
  }
  EXPECT_EQ(required, (std::map<std::string, std::vector<std::string>>{{"cmd0", {"batch"}}, {"cpu0", {"precision"}}}))
      << devices.out;
  ASSERT_NO_FATAL_FAILURE(cluster.StopBenchd());
}

TEST(LifecycleE2ETest, AKilledAgentsRunIsRequeuedAfterItsLeaseAndFinishedByAnotherAgent) {
  Cluster cluster;
  ASSERT_NO_FATAL_FAILURE(cluster.StartBenchd());
  const std::string script = SlowBenchmark(cluster);
  cluster.StartAgent("agent-a", SlowDevice("slow0", script));
  const std::string sweep = cluster.WriteFile("kill.yaml", HoldSweep("e2e-kill-requeue", "2", 20));
  ASSERT_EQ(cluster.Benchctl({"submit", sweep}).exit_code, 0);
  ASSERT_TRUE(WaitUntil([&] { return cluster.QueryValue("SELECT state FROM runs WHERE agent = 'agent-a'") == "running"; },
                        60s))
      << cluster.Logs();
  // Killed first, then the second agent started: its start-up on a loaded
  // machine must not give agent-a time to finish the run.
  cluster.agent("agent-a").Signal(SIGKILL);
  ASSERT_TRUE(cluster.agent("agent-a").WaitFor(10s).has_value());
  cluster.StartAgent("agent-b", SlowDevice("slow0", script));

  ASSERT_TRUE(WaitUntil([&] { return cluster.QueryValue("SELECT state FROM experiments") == "succeeded"; }, 60s))
      << cluster.Logs();
  EXPECT_EQ(cluster.QueryValue("SELECT state || ' ' || error FROM runs WHERE agent = 'agent-a'"), "lost lease expired");
  EXPECT_EQ(cluster.QueryValue("SELECT state || ' ' || attempt FROM runs WHERE agent = 'agent-b'"), "succeeded 2");
  EXPECT_EQ(Number(cluster, "SELECT count(*) FROM events WHERE kind = 'run_lost'"), 1);
  ExpectOneAcceptedAttemptAndNoDuplicateSamples(cluster, 1, 20);
  ASSERT_NO_FATAL_FAILURE(cluster.StopBenchd());
}

TEST(LifecycleE2ETest, AnAgentStoppedPastItsLeaseHasItsLateReportsRejected) {
  Cluster cluster;
  ASSERT_NO_FATAL_FAILURE(cluster.StartBenchd());
  const std::string script = SlowBenchmark(cluster);
  cluster.StartAgent("agent-a", SlowDevice("slow0", script));
  const std::string sweep = cluster.WriteFile("stop.yaml", HoldSweep("e2e-sigstop", "3", 10));
  ASSERT_EQ(cluster.Benchctl({"submit", sweep}).exit_code, 0);
  ASSERT_TRUE(WaitUntil([&] { return cluster.QueryValue("SELECT state FROM runs WHERE agent = 'agent-a'") == "running"; },
                        60s))
      << cluster.Logs();
  cluster.agent("agent-a").Signal(SIGSTOP);
  cluster.StartAgent("agent-b", SlowDevice("slow0", script));
  // The lease runs out, agent-b measures the point.
  ASSERT_TRUE(WaitUntil([&] { return cluster.QueryValue("SELECT state FROM experiments") == "succeeded"; }, 60s))
      << cluster.Logs();
  cluster.agent("agent-a").Signal(SIGCONT);
  // Awake again, agent-a reports its run, which is no longer its own.
  ASSERT_TRUE(WaitUntil([&] { return Number(cluster, "SELECT count(*) FROM events WHERE kind = 'report_rejected'") >= 1; },
                        60s))
      << cluster.Logs();
  EXPECT_EQ(cluster.QueryValue("SELECT state FROM runs WHERE agent = 'agent-a'"), "lost");
  EXPECT_EQ(Number(cluster, "SELECT count(*) FROM latency_samples s JOIN runs r ON r.id = s.run_id "
                            "WHERE r.agent = 'agent-a'"),
            0);
  ExpectOneAcceptedAttemptAndNoDuplicateSamples(cluster, 1, 10);
  ASSERT_NO_FATAL_FAILURE(cluster.StopBenchd());
}

TEST(LifecycleE2ETest, AnAgentThatCannotRenewItsLeaseStopsItsBenchmarkItself) {
  Cluster cluster;
  ASSERT_NO_FATAL_FAILURE(cluster.StartBenchd());
  const std::string pid_file = cluster.path("bench.pid");
  const std::string script = cluster.WriteScript("forever.sh", "echo $$ > \"$1\"\nexec sleep 600\n");
  cluster.StartAgent("agent-a", CommandDevice("slow0", "[\"" + script + "\", \"" + pid_file + "\"]"));
  const std::string sweep = cluster.WriteFile("forever.yaml", HoldSweep("e2e-partition", "1", 5));
  ASSERT_EQ(cluster.Benchctl({"submit", sweep}).exit_code, 0);
  ASSERT_TRUE(WaitUntil([&] { return ReadPid(pid_file) > 0 && ProcessAlive(ReadPid(pid_file)); }, 60s))
      << cluster.Logs();
  const pid_t benchmark = ReadPid(pid_file);
  // The coordinator stops answering: no lease renewals reach the agent.
  cluster.benchd().Signal(SIGSTOP);
  const bool stopped_in_time = WaitUntil([&] { return !ProcessAlive(benchmark); }, 3s);
  cluster.benchd().Signal(SIGCONT);
  EXPECT_TRUE(stopped_in_time) << "the benchmark outlived the 3 s lease\n" << cluster.Logs();
  ASSERT_NO_FATAL_FAILURE(cluster.StopBenchd());
}

TEST(LifecycleE2ETest, CancellingASweepKillsItsRunningBenchmark) {
  Cluster cluster;
  ASSERT_NO_FATAL_FAILURE(cluster.StartBenchd());
  const std::string pid_file = cluster.path("bench.pid");
  const std::string script = cluster.WriteScript("forever.sh", "echo $$ > \"$1\"\nexec sleep 600\n");
  cluster.StartAgent("agent-a", CommandDevice("slow0", "[\"" + script + "\", \"" + pid_file + "\"]"));
  const std::string sweep = cluster.WriteFile("cancel.yaml", HoldSweep("e2e-cancel", "1, 2, 3", 5));
  ASSERT_EQ(cluster.Benchctl({"submit", sweep}).exit_code, 0);
  ASSERT_TRUE(WaitUntil([&] { return ReadPid(pid_file) > 0 && ProcessAlive(ReadPid(pid_file)); }, 60s))
      << cluster.Logs();
  const pid_t benchmark = ReadPid(pid_file);

  CommandResult cancel = cluster.Benchctl({"cancel", "1"});
  ASSERT_EQ(cancel.exit_code, 0) << cancel.out << cancel.err;
  EXPECT_TRUE(WaitUntil([&] { return !ProcessAlive(benchmark); }, 10s)) << cluster.Logs();
  EXPECT_EQ(Number(cluster, "SELECT count(*) FROM experiments WHERE state = 'cancelled'"), 3);
  EXPECT_EQ(cluster.QueryValue("SELECT string_agg(state, ',') FROM runs"), "cancelled");
  // The device is free again (its agent's report was refused), and nothing more is assigned.
  ASSERT_TRUE(WaitUntil([&] { return cluster.Benchctl({"agents"}).out.find("idle") != std::string::npos; }, 30s))
      << cluster.Logs();
  EXPECT_EQ(Number(cluster, "SELECT count(*) FROM runs"), 1);
  ASSERT_NO_FATAL_FAILURE(cluster.StopBenchd());
}

TEST(LifecycleE2ETest, TwoCoordinatorsOnOneDatabaseNeverAssignAnExperimentTwice) {
  Cluster cluster;
  ASSERT_NO_FATAL_FAILURE(cluster.StartBenchd());
  const std::string second = cluster.StartAnotherBenchd("benchd-2");
  ASSERT_FALSE(second.empty());
  const std::string script = SlowBenchmark(cluster);
  const std::string two_devices = SlowDevice("slow0", script) + SlowDevice("slow1", script);
  cluster.StartAgent("agent-1", two_devices);
  cluster.StartAgent("agent-2", two_devices);
  cluster.StartAgent("agent-3", two_devices, second);
  cluster.StartAgent("agent-4", two_devices, second);
  const std::string sweep = cluster.WriteFile(
      "shared.yaml", HoldSweep("e2e-two-coordinators", "0.2", 5,
                               "  n: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20,\n"
                               "      21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40]\n"));
  CommandResult submit = cluster.Benchctl({"submit", sweep, "--watch"});
  ASSERT_EQ(submit.exit_code, 0) << submit.out << submit.err << cluster.Logs();

  ExpectOneAcceptedAttemptAndNoDuplicateSamples(cluster, 40, 5);
  // Every assignment: one run per experiment, never two runs at once on a device.
  EXPECT_EQ(Number(cluster, "SELECT count(*) FROM runs"), 40);
  EXPECT_EQ(Number(cluster, "SELECT count(*) FROM (SELECT experiment_id FROM runs GROUP BY experiment_id "
                            "HAVING count(*) > 1) AS twice"),
            0);
  EXPECT_EQ(Number(cluster, "SELECT count(*) FROM runs a JOIN runs b ON a.agent = b.agent AND a.device = b.device "
                            "AND a.id < b.id AND a.assigned_at < b.finished_at AND b.assigned_at < a.finished_at"),
            0);
  // Both coordinators took part.
  EXPECT_GT(Number(cluster, "SELECT count(*) FROM runs WHERE agent IN ('agent-1', 'agent-2')"), 0);
  EXPECT_GT(Number(cluster, "SELECT count(*) FROM runs WHERE agent IN ('agent-3', 'agent-4')"), 0) << cluster.Logs();
  ASSERT_NO_FATAL_FAILURE(cluster.StopBenchd());
}

TEST(LifecycleE2ETest, ADeviceThatKeepsFailingIsQuarantinedUntilItsHealthCheckPasses) {
  Cluster cluster;
  ASSERT_NO_FATAL_FAILURE(
      cluster.StartBenchd("127.0.0.1:0", "quarantine_after: 2\nretry_backoff: 100ms\nhealth_check_interval: 300ms\n"));
  const std::string healthy_flag = cluster.path("board-is-back");
  const std::string check = cluster.WriteScript("health.sh", "test -e \"$1\"\n");
  cluster.StartAgent("agent-f", CommandDevice("flaky0", "[\"/bin/false\"]",
                                              "    health_check: [\"" + check + "\", \"" + healthy_flag + "\"]\n"));
  const std::string sweep = cluster.WriteFile("flaky.yaml", HoldSweep("e2e-flaky", "1, 2, 3", 5));
  ASSERT_EQ(cluster.Benchctl({"submit", sweep}).exit_code, 0);

  ASSERT_TRUE(WaitUntil([&] { return cluster.QueryValue("SELECT quarantined FROM devices") == "t"; }, 60s))
      << cluster.Logs();
  EXPECT_EQ(cluster.QueryValue("SELECT consecutive_failures FROM devices"), "2");
  EXPECT_NE(cluster.QueryValue("SELECT quarantine_reason FROM devices").find("2 consecutive infrastructure failures"),
            std::string::npos);
  // Quarantined: no third run, and the checks fail while the board is away.
  ASSERT_TRUE(WaitUntil([&] { return Number(cluster, "SELECT count(*) FROM events WHERE kind = 'health_check_failed'") >= 2; },
                        30s))
      << cluster.Logs();
  EXPECT_EQ(Number(cluster, "SELECT count(*) FROM runs"), 2);
  CommandResult agents = cluster.Benchctl({"agents"});
  EXPECT_NE(agents.out.find("quarantined"), std::string::npos) << agents.out;

  // The board comes back: the next check returns it to service, and it fails again.
  std::ofstream(healthy_flag) << "yes\n";
  ASSERT_TRUE(WaitUntil([&] { return Number(cluster, "SELECT count(*) FROM events WHERE kind = 'device_recovered'") == 1; },
                        30s))
      << cluster.Logs();
  ASSERT_TRUE(WaitUntil([&] { return Number(cluster, "SELECT count(*) FROM runs") >= 3; }, 30s)) << cluster.Logs();
  ASSERT_NO_FATAL_FAILURE(cluster.StopBenchd());
}

}  // namespace
}  // namespace benchd::testing
