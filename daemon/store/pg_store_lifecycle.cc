// PgStore: what operators do to sweeps, agents and devices (cancel, drain,
// enable, health checks), and the event log.

#include "common/status_util.h"
#include "daemon/store/pg_connection_pool.h"
#include "daemon/store/pg_rows.h"
#include "daemon/store/pg_statements.h"
#include "daemon/store/pg_store.h"
#include "daemon/store/pg_transact.h"
#include "spdlog/fmt/fmt.h"

namespace benchd::daemon {

absl::StatusOr<CancelResult> PgStore::CancelSweep(int64_t sweep_id) {
  return Transact(*pool_, fmt::format("cancel sweep {}", sweep_id), [&](pqxx::work& tx) -> absl::StatusOr<CancelResult> {
    const pqxx::result sweep = tx.exec_prepared(sql::kLockSweepForCancel, sweep_id);
    if (sweep.empty()) return absl::NotFoundError("no such sweep");
    CancelResult result;
    if (!sweep[0][1].as<bool>()) {
      // Marking a finished sweep cancelled would change nothing but its
      // record, and refuse `rerun --failed` on it later.
      if (sweep[0][0].as<bool>()) return result;
      return absl::FailedPreconditionError(
          fmt::format("sweep {} has finished: nothing is pending or running to cancel", sweep_id));
    }
    tx.exec_prepared(sql::kCancelSweep, sweep_id);
    for (const auto& row : tx.exec_prepared(sql::kCancelSweepRuns, sweep_id)) {
      StoppedRun run{row[0].as<int64_t>(), row[1].as<std::string>(), row[2].as<std::string>()};
      InsertEvent(tx, {.kind = "run_cancelled",
                       .sweep_id = sweep_id,
                       .experiment_id = row[3].as<int64_t>(),
                       .run_id = run.run_id,
                       .agent = run.agent_name,
                       .message = fmt::format("run {} cancelled with its sweep; device '{}' told to stop it",
                                              run.run_id, run.device_name),
                       .device = run.device_name});
      result.stopped.push_back(std::move(run));
    }
    for (const auto& row : tx.exec_prepared(sql::kCancelSweepExperiments, sweep_id)) {
      if (row[0].as<std::string>() == "pending") ++result.cancelled_pending;
    }
    InsertEvent(tx, {.kind = "sweep_cancelled",
                     .sweep_id = sweep_id,
                     .message = fmt::format("sweep {} cancelled: {} pending experiments, {} running", sweep_id,
                                            result.cancelled_pending, result.stopped.size())});
    return result;
  });
}

absl::StatusOr<int64_t> PgStore::SetAgentDraining(const std::string& agent_name, bool draining) {
  return Transact(*pool_, fmt::format("{} agent '{}'", draining ? "drain" : "undrain", agent_name),
                  [&](pqxx::work& tx) -> absl::StatusOr<int64_t> {
                    const pqxx::result rows = tx.exec_prepared(sql::kSetAgentDraining, agent_name, draining);
                    if (rows.empty()) return absl::NotFoundError("no such agent");
                    const int64_t active = rows[0][0].as<int64_t>();
                    InsertEvent(tx, {.kind = draining ? "agent_draining" : "agent_undrained",
                                     .agent = agent_name,
                                     .message = draining ? fmt::format("agent '{}' draining: {} run(s) to finish, "
                                                                       "no new work",
                                                                       agent_name, active)
                                                         : fmt::format("agent '{}' takes work again", agent_name)});
                    return active;
                  });
}

absl::Status PgStore::SetDeviceEnabled(const std::string& agent_name, const std::string& device_name,
                                       bool enabled) {
  return Transact(*pool_, fmt::format("{} device '{}' of agent '{}'", enabled ? "enable" : "disable", device_name,
                                      agent_name),
                  [&](pqxx::work& tx) -> absl::Status {
                    if (tx.exec_prepared(sql::kSetDeviceEnabled, agent_name, device_name, enabled).empty()) {
                      return absl::NotFoundError("no such agent or device");
                    }
                    InsertEvent(tx, {.kind = enabled ? "device_enabled" : "device_disabled",
                                     .agent = agent_name,
                                     .message = enabled ? fmt::format("device '{}' enabled (quarantine cleared)",
                                                                      device_name)
                                                        : fmt::format("device '{}' disabled", device_name),
                                     .device = device_name});
                    return absl::OkStatus();
                  });
}

absl::StatusOr<bool> PgStore::RecordHealthCheck(const std::string& agent_name, const std::string& device_name,
                                                bool healthy, const std::string& detail) {
  return Transact(*pool_, fmt::format("record health check of device '{}' of agent '{}'", device_name, agent_name),
                  [&](pqxx::work& tx) -> absl::StatusOr<bool> {
                    if (tx.exec_prepared(sql::kDeviceExists, agent_name, device_name).empty()) {
                      return absl::NotFoundError("no such agent or device");
                    }
                    const bool recovered =
                        healthy && !tx.exec_prepared(sql::kRecoverDevice, agent_name, device_name).empty();
                    const std::string text = SanitizeText(detail);
                    InsertEvent(tx, {.kind = recovered ? "device_recovered" : healthy ? "health_check_passed"
                                                                                      : "health_check_failed",
                                     .agent = agent_name,
                                     .message = recovered ? fmt::format("device '{}' passed its health check "
                                                                        "and is back in service",
                                                                        device_name)
                                                          : fmt::format("device '{}' health check {}: {}", device_name,
                                                                        healthy ? "passed" : "failed", text),
                                     .device = device_name});
                    return recovered;
                  });
}

absl::StatusOr<std::vector<benchd::v1::Event>> PgStore::ListEvents(const EventFilter& filter) {
  const int limit = filter.limit <= 0 ? 100 : filter.limit;
  return Transact(*pool_, "list events", [&](pqxx::work& tx) -> absl::StatusOr<std::vector<benchd::v1::Event>> {
    std::vector<benchd::v1::Event> events;
    for (const auto& row : tx.exec_prepared(sql::kListEvents, filter.sweep_id, filter.run_id, filter.agent,
                                            filter.device, filter.kind, filter.after_id, limit)) {
      benchd::v1::Event event;
      event.set_id(row[0].as<int64_t>());
      *event.mutable_at() = TimestampFromMicros(row[1].as<int64_t>());
      event.set_kind(row[2].as<std::string>());
      event.set_sweep_id(row[3].as<int64_t>());
      event.set_experiment_id(row[4].as<int64_t>());
      event.set_run_id(row[5].as<int64_t>());
      event.set_agent(row[6].as<std::string>());
      event.set_device(row[7].as<std::string>());
      event.set_message(row[8].as<std::string>());
      event.set_duration_ms(row[9].as<int64_t>());
      events.push_back(std::move(event));
    }
    return events;
  });
}

}  // namespace benchd::daemon
