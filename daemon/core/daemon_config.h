#pragma once

// The coordinator's configuration: defaults below, then the YAML file, then
// BENCHD_* environment variables, then command-line flags (main.cc).

#include <chrono>
#include <string>

#include "absl/status/statusor.h"

namespace benchd::daemon {

struct DaemonConfig {
  // gRPC listen address; port 0 picks a free port, written to
  // `<data_dir>/benchd.addr` once bound.
  std::string listen = "127.0.0.1:7700";
  // libpq connection string. Empty: start and own a private PostgreSQL under
  // `<data_dir>/pg` (the embedded default).
  std::string database;
  std::string data_dir = "benchd-data";
  std::string log_level = "info";
  int db_pool_size = 8;
  // Agents send a heartbeat at this interval; a run whose agent has been
  // silent for `lease` is lost and its experiment requeued.
  std::chrono::milliseconds heartbeat_interval{std::chrono::seconds(5)};
  std::chrono::milliseconds lease{std::chrono::seconds(30)};
  // How often the scheduler looks for expired leases even when nothing happens.
  std::chrono::milliseconds scheduler_tick{std::chrono::seconds(1)};
  // A submitted sweep with more points than this is refused.
  int64_t max_sweep_points = 1'000'000;
  // This many consecutive infrastructure failures quarantine a device.
  int quarantine_after = 3;
  // A quarantined device with a health-check command is checked this often.
  std::chrono::milliseconds health_check_interval{std::chrono::seconds(60)};
  // An experiment requeued after an infrastructure failure waits
  // retry_backoff, doubling per attempt up to retry_backoff_max.
  std::chrono::milliseconds retry_backoff{std::chrono::seconds(1)};
  std::chrono::milliseconds retry_backoff_max{std::chrono::minutes(1)};
};

// Reads a daemon configuration file. Unknown keys and wrong types are errors
// that name file, line and column.
[[nodiscard]] absl::StatusOr<DaemonConfig> LoadDaemonConfig(const std::string& path);
[[nodiscard]] absl::StatusOr<DaemonConfig> ParseDaemonConfig(const std::string& text,
                                                             const std::string& file_name);
// Applies BENCHD_LISTEN, BENCHD_DATABASE, BENCHD_DATA_DIR and BENCHD_LOG_LEVEL.
void ApplyDaemonEnvironment(DaemonConfig& config);
// Cross-field checks (lease longer than the heartbeat interval, ...).
[[nodiscard]] absl::Status ValidateDaemonConfig(const DaemonConfig& config);

}  // namespace benchd::daemon
