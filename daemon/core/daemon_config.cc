#include "daemon/core/daemon_config.h"

#include <cstdlib>

#include "common/status_util.h"
#include "common/yaml_reader.h"

namespace benchd::daemon {

absl::StatusOr<DaemonConfig> ParseDaemonConfig(const std::string& text, const std::string& file_name) {
  common::YamlContext ctx(file_name);
  BENCHD_ASSIGN_OR_RETURN(YAML::Node root, ctx.Parse(text));
  DaemonConfig config;
  if (root.IsNull()) return config;
  BENCHD_RETURN_IF_ERROR(ctx.CheckMap(root, "", {"listen", "database", "data_dir", "log_level", "db_pool_size",
                                                 "heartbeat_interval", "lease", "scheduler_tick",
                                                 "max_sweep_points", "quarantine_after", "health_check_interval",
                                                 "retry_backoff", "retry_backoff_max"}));
  if (root["listen"]) {
    BENCHD_ASSIGN_OR_RETURN(config.listen, ctx.ReadString(root["listen"], "listen"));
  }
  if (root["database"]) {
    BENCHD_ASSIGN_OR_RETURN(config.database, ctx.ReadString(root["database"], "database"));
  }
  if (root["data_dir"]) {
    BENCHD_ASSIGN_OR_RETURN(config.data_dir, ctx.ReadString(root["data_dir"], "data_dir"));
  }
  if (root["log_level"]) {
    BENCHD_ASSIGN_OR_RETURN(config.log_level, ctx.ReadString(root["log_level"], "log_level"));
  }
  if (root["db_pool_size"]) {
    BENCHD_ASSIGN_OR_RETURN(config.db_pool_size, ctx.ReadInt(root["db_pool_size"], "db_pool_size", 1, 256));
  }
  if (root["heartbeat_interval"]) {
    BENCHD_ASSIGN_OR_RETURN(config.heartbeat_interval,
                            ctx.ReadDuration(root["heartbeat_interval"], "heartbeat_interval"));
  }
  if (root["lease"]) {
    BENCHD_ASSIGN_OR_RETURN(config.lease, ctx.ReadDuration(root["lease"], "lease"));
  }
  if (root["scheduler_tick"]) {
    BENCHD_ASSIGN_OR_RETURN(config.scheduler_tick, ctx.ReadDuration(root["scheduler_tick"], "scheduler_tick"));
  }
  if (root["max_sweep_points"]) {
    BENCHD_ASSIGN_OR_RETURN(config.max_sweep_points,
                            ctx.ReadInt(root["max_sweep_points"], "max_sweep_points", 1, 100'000'000));
  }
  if (root["quarantine_after"]) {
    BENCHD_ASSIGN_OR_RETURN(config.quarantine_after,
                            ctx.ReadInt(root["quarantine_after"], "quarantine_after", 1, 1000));
  }
  if (root["health_check_interval"]) {
    BENCHD_ASSIGN_OR_RETURN(config.health_check_interval,
                            ctx.ReadDuration(root["health_check_interval"], "health_check_interval"));
  }
  if (root["retry_backoff"]) {
    BENCHD_ASSIGN_OR_RETURN(config.retry_backoff, ctx.ReadDuration(root["retry_backoff"], "retry_backoff"));
  }
  if (root["retry_backoff_max"]) {
    BENCHD_ASSIGN_OR_RETURN(config.retry_backoff_max,
                            ctx.ReadDuration(root["retry_backoff_max"], "retry_backoff_max"));
  }
  return config;
}

absl::StatusOr<DaemonConfig> LoadDaemonConfig(const std::string& path) {
  BENCHD_ASSIGN_OR_RETURN(std::string text, common::ReadTextFile(path, 1 << 20));
  return ParseDaemonConfig(text, path);
}

void ApplyDaemonEnvironment(DaemonConfig& config) {
  auto apply = [](const char* name, std::string& target) {
    if (const char* value = std::getenv(name); value != nullptr && *value != '\0') target = value;
  };
  apply("BENCHD_LISTEN", config.listen);
  apply("BENCHD_DATABASE", config.database);
  apply("BENCHD_DATA_DIR", config.data_dir);
  apply("BENCHD_LOG_LEVEL", config.log_level);
}

absl::Status ValidateDaemonConfig(const DaemonConfig& config) {
  if (config.listen.empty()) return absl::InvalidArgumentError("listen: an address is required");
  if (config.data_dir.empty()) return absl::InvalidArgumentError("data_dir: a directory is required");
  if (config.heartbeat_interval.count() <= 0) {
    return absl::InvalidArgumentError("heartbeat_interval: must be positive");
  }
  if (config.lease < 2 * config.heartbeat_interval) {
    return absl::InvalidArgumentError(
        "lease: must be at least twice heartbeat_interval, or one late heartbeat loses a run");
  }
  if (config.scheduler_tick.count() <= 0) return absl::InvalidArgumentError("scheduler_tick: must be positive");
  if (config.health_check_interval.count() <= 0) {
    return absl::InvalidArgumentError("health_check_interval: must be positive");
  }
  if (config.retry_backoff.count() < 0 || config.retry_backoff_max < config.retry_backoff) {
    return absl::InvalidArgumentError("retry_backoff_max: must be at least retry_backoff");
  }
  return absl::OkStatus();
}

}  // namespace benchd::daemon
