#include "daemon/core/daemon_config.h"

#include <cstdlib>

#include <gtest/gtest.h>

namespace benchd::daemon {
namespace {

TEST(DaemonConfigTest, EmptyFileGivesDefaults) {
  auto config = ParseDaemonConfig("", "d.yaml");
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(config->listen, "127.0.0.1:7700");
  EXPECT_TRUE(config->database.empty());
  EXPECT_TRUE(ValidateDaemonConfig(*config).ok());
}

TEST(DaemonConfigTest, ReadsEveryKeyAndEnvironmentOverridesTheFile) {
  auto config = ParseDaemonConfig("listen: 0.0.0.0:9000\ndatabase: host=db\ndata_dir: /d\nlease: 20s\n"
                                  "heartbeat_interval: 2s\ndb_pool_size: 4\n",
                                  "d.yaml");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->lease, std::chrono::seconds(20));
  EXPECT_EQ(config->db_pool_size, 4);
  setenv("BENCHD_DATABASE", "host=other", 1);
  ApplyDaemonEnvironment(*config);
  unsetenv("BENCHD_DATABASE");
  EXPECT_EQ(config->database, "host=other");
  EXPECT_EQ(config->listen, "0.0.0.0:9000");
}

TEST(DaemonConfigTest, ErrorsNameTheKeyAndPlace) {
  EXPECT_EQ(std::string(ParseDaemonConfig("listen: a\nlisten_port: 3\n", "d.yaml").status().message()),
            "d.yaml:2:1: listen_port: unknown key 'listen_port' (expected one of: listen, database, data_dir, "
            "log_level, db_pool_size, heartbeat_interval, lease, scheduler_tick, max_sweep_points, quarantine_after, "
            "health_check_interval, retry_backoff, retry_backoff_max)");
  EXPECT_EQ(std::string(ParseDaemonConfig("db_pool_size: many\n", "d.yaml").status().message()),
            "d.yaml:1:15: db_pool_size: expected an integer, got 'many'");
}

TEST(DaemonConfigTest, LeaseMustOutlastTwoHeartbeats) {
  DaemonConfig config;
  config.heartbeat_interval = std::chrono::seconds(10);
  config.lease = std::chrono::seconds(15);
  EXPECT_FALSE(ValidateDaemonConfig(config).ok());
}

}  // namespace
}  // namespace benchd::daemon
