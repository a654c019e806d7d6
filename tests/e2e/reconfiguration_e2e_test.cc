// End to end: the scheduler keeps a device in one configuration while work
// for it remains. The QuTiBench MNIST sweep, as shipped in configs/sweeps,
// on a lab with one (simulated) TX2: every TX2 point runs, and the board's
// power mode is switched exactly once per mode.

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "tests/e2e/cluster.h"
#include "tests/support/wait_until.h"

namespace benchd::testing {
namespace {

using namespace std::chrono_literals;

TEST(ReconfigurationE2ETest, OneTx2SwitchesPowerModeOncePerModeOnTheQutibenchSweep) {
  Cluster cluster;
  ASSERT_NO_FATAL_FAILURE(cluster.StartBenchd());
  const std::string models = cluster.path("models");
  std::filesystem::create_directories(models);
  // The unpruned model has no suffix (ModelStem in tool_driver_support.h).
  for (const char* stem : {"MLP", "MLP-p50", "MLP-p25", "MLP-p12.5"}) {
    std::ofstream(models + "/" + stem + ".onnx") << "simulated model\n";
  }
  cluster.StartAgent("agent-tx2", Cluster::SimulatedTx2("tx2-0", models, cluster.path("tx2-state"),
                                                       cluster.path("l4t_dfs.conf")));
  CommandResult submit =
      cluster.Benchctl({"submit", std::string(BENCHD_SOURCE_DIR) + "/configs/sweeps/qutibench-mnist.yaml"});
  ASSERT_EQ(submit.exit_code, 0) << submit.out << submit.err;

  // 4 prunings x 8 batch sizes x 2 precisions x 3 power modes.
  const std::string tx2_points = "SELECT count(*) FROM experiments WHERE platform = 'tx2'";
  ASSERT_EQ(cluster.QueryValue(tx2_points), "192");
  ASSERT_TRUE(WaitUntil(
      [&] {
        return cluster.QueryValue(tx2_points + " AND state IN ('pending', 'running')") == "0";
      },
      240s))
      << cluster.QueryValue("SELECT string_agg(DISTINCT error, E'\\n') FROM runs") << "\n" << cluster.Logs();
  EXPECT_EQ(cluster.QueryValue(tx2_points + " AND state = 'succeeded'"), "192") << cluster.Logs();
  EXPECT_EQ(cluster.QueryValue("SELECT count(*) FROM events WHERE kind = 'reconfiguration' AND device = 'tx2-0'"), "3");
  // Each mode's experiments ran as one block.
  EXPECT_EQ(cluster.QueryValue(
                "SELECT count(*) FROM (SELECT e.config_key, lag(e.config_key) OVER (ORDER BY r.assigned_at, r.id) AS prev "
                "FROM runs r JOIN experiments e ON e.id = r.experiment_id WHERE r.device = 'tx2-0') AS seq "
                "WHERE prev IS DISTINCT FROM config_key"),
            "3");
  // Points no device in this lab can run are reported, not silently pending.
  CommandResult show = cluster.Benchctl({"sweeps"});
  EXPECT_EQ(show.exit_code, 0);
  EXPECT_EQ(cluster.QueryValue("SELECT count(*) FROM experiments WHERE platform <> 'tx2' AND state = 'pending'"),
            "278");
  ASSERT_NO_FATAL_FAILURE(cluster.StopBenchd());
}

}  // namespace
}  // namespace benchd::testing
