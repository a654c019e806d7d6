// PgStore: agents, devices, claims and leases.

#include <algorithm>
#include <set>
#include <unordered_map>

#include "common/proto_json.h"
#include "common/status_util.h"
#include "daemon/store/pg_connection_pool.h"
#include "daemon/store/pg_rows.h"
#include "daemon/store/pg_statements.h"
#include "daemon/store/pg_store.h"
#include "daemon/store/pg_transact.h"
#include "spdlog/fmt/fmt.h"

namespace benchd::daemon {
namespace {

// Reads the rows of BENCHD_LOSE_RUNS (pg_statements.cc) and records an event
// per lost run.
RequeueResult CollectLostRuns(pqxx::work& tx, const pqxx::result& rows, const std::string& reason) {
  RequeueResult result;
  std::set<int64_t> sweeps;
  for (const auto& row : rows) {
    const int64_t run_id = row[0].as<int64_t>();
    const int64_t experiment_id = row[1].as<int64_t>();
    result.lost_run_ids.push_back(run_id);
    std::optional<int64_t> sweep_id;
    std::string outcome = "experiment unchanged";
    if (!row[2].is_null()) {
      sweep_id = row[2].as<int64_t>();
      sweeps.insert(*sweep_id);
      outcome = row[3].as<std::string>() == "pending" ? "experiment requeued"
                                                      : "experiment failed: retry limit reached";
    }
    InsertEvent(tx, {.kind = "run_lost",
                     .sweep_id = sweep_id,
                     .experiment_id = experiment_id,
                     .run_id = run_id,
                     .agent = row[4].as<std::string>(),
                     .message = fmt::format("run {} lost ({}); {}", run_id, reason, outcome)});
  }
  result.sweep_ids.assign(sweeps.begin(), sweeps.end());
  return result;
}

absl::Status ValidateHello(const benchd::v1::Hello& hello) {
  if (hello.agent_name().empty()) return absl::InvalidArgumentError("hello without an agent name");
  std::set<std::string> names;
  for (const auto& device : hello.devices()) {
    if (device.name().empty()) return absl::InvalidArgumentError("a device has no name");
    if (!names.insert(device.name()).second) {
      return absl::InvalidArgumentError(fmt::format("device '{}' is listed twice", device.name()));
    }
  }
  return absl::OkStatus();
}

nlohmann::json LabelsJson(const google::protobuf::Map<std::string, std::string>& labels) {
  nlohmann::json json = nlohmann::json::object();
  for (const auto& [key, value] : labels) json[key] = value;
  return json;
}

}  // namespace

absl::StatusOr<RequeueResult> PgStore::RegisterAgent(const benchd::v1::Hello& hello) {
  const std::string what = fmt::format("register agent '{}'", hello.agent_name());
  if (absl::Status valid = ValidateHello(hello); !valid.ok()) {
    return absl::InvalidArgumentError(fmt::format("{}: {}", what, std::string(valid.message())));
  }
  nlohmann::json devices = nlohmann::json::array();
  nlohmann::json device_names = nlohmann::json::array();
  for (const auto& device : hello.devices()) {
    devices.push_back({{"name", device.name()},
                       {"driver", device.driver()},
                       {"platform", device.platform()},
                       {"labels", LabelsJson(device.labels())}});
    device_names.push_back(device.name());
  }
  std::vector<int64_t> active;
  for (const auto& run : hello.active_runs()) active.push_back(run.run_id());
  const std::string reason = fmt::format("agent '{}' reconnected without it", hello.agent_name());

  return Transact(*pool_, what, [&](pqxx::work& tx) -> absl::StatusOr<RequeueResult> {
    const int64_t agent_id = tx.exec_prepared1(sql::kUpsertAgent, hello.agent_name(),
                                               hello.hostname(), hello.version())[0]
                                 .as<int64_t>();
    tx.exec_prepared(sql::kUpsertDevices, agent_id, JsonText(devices));
    tx.exec_prepared(sql::kDeleteOtherDevices, agent_id, JsonText(device_names));
    const pqxx::result lost =
        tx.exec_prepared(sql::kLoseAgentRuns, hello.agent_name(), Int64ArrayText(active), reason);
    InsertEvent(tx, {.kind = "agent_connected",
                     .agent = hello.agent_name(),
                     .message = fmt::format("agent '{}' connected from '{}' (version {}) with {} "
                                            "devices, {} active runs",
                                            hello.agent_name(), hello.hostname(), hello.version(),
                                            hello.devices_size(), active.size())});
    return CollectLostRuns(tx, lost, reason);
  });
}

absl::Status PgStore::MarkAgentDisconnected(const std::string& agent_name) {
  return Transact(*pool_, fmt::format("mark agent '{}' disconnected", agent_name),
                  [&](pqxx::work& tx) -> absl::Status {
                    if (tx.exec_prepared(sql::kDisconnectAgent, agent_name).empty()) {
                      return absl::NotFoundError("no such agent");
                    }
                    InsertEvent(tx,
                                {.kind = "agent_disconnected",
                                 .agent = agent_name,
                                 .message = fmt::format("agent '{}' disconnected", agent_name)});
                    return absl::OkStatus();
                  });
}

absl::Status PgStore::RecordHeartbeat(const std::string& agent_name,
                                      const std::vector<int64_t>& active_run_ids,
                                      std::chrono::milliseconds lease) {
  return Transact(*pool_, fmt::format("record heartbeat of agent '{}'", agent_name),
                  [&](pqxx::work& tx) -> absl::Status {
                    if (tx.exec_prepared(sql::kTouchAgent, agent_name).empty()) {
                      return absl::NotFoundError("no such agent");
                    }
                    if (!active_run_ids.empty()) {
                      tx.exec_prepared(sql::kExtendAgentLeases, agent_name,
                                       Int64ArrayText(active_run_ids),
                                       static_cast<int64_t>(lease.count()));
                    }
                    return absl::OkStatus();
                  });
}

absl::StatusOr<std::vector<benchd::v1::Agent>> PgStore::ListAgents() {
  return Transact(
      *pool_, "list agents", [&](pqxx::work& tx) -> absl::StatusOr<std::vector<benchd::v1::Agent>> {
        std::vector<benchd::v1::Agent> agents;
        std::unordered_map<int64_t, size_t> index_of_agent;
        for (const auto& row : tx.exec_prepared(sql::kAllAgents)) {
          benchd::v1::Agent agent;
          agent.set_name(row[1].as<std::string>());
          agent.set_hostname(row[2].as<std::string>());
          agent.set_version(row[3].as<std::string>());
          agent.set_connected(row[4].as<bool>());
          *agent.mutable_last_seen() = TimestampFromMicros(row[5].as<int64_t>());
          index_of_agent[row[0].as<int64_t>()] = agents.size();
          agents.push_back(std::move(agent));
        }
        for (const auto& row : tx.exec_prepared(sql::kAllDevices)) {
          auto it = index_of_agent.find(row[0].as<int64_t>());
          if (it == index_of_agent.end()) continue;  // agent added after the first query
          benchd::v1::Agent& agent = agents[it->second];
          benchd::v1::Device& device = *agent.add_devices();
          device.set_name(row[1].as<std::string>());
          device.set_driver(row[2].as<std::string>());
          device.set_platform(row[3].as<std::string>());
          const nlohmann::json labels = JsonFromField(row[4]);
          for (const auto& [key, value] : labels.items()) {
            if (value.is_string()) (*device.mutable_labels())[key] = value.get<std::string>();
          }
          device.set_state(!agent.connected() ? "offline" : row[5].as<bool>() ? "busy" : "idle");
        }
        return agents;
      });
}

absl::StatusOr<std::optional<Claim>> PgStore::ClaimExperiment(const DeviceSlot& slot,
                                                              std::chrono::milliseconds lease) {
  const std::string what = fmt::format("claim experiment for agent '{}' device '{}' ({})",
                                       slot.agent_name, slot.device_name, slot.platform);
  if (lease.count() <= 0) return absl::InvalidArgumentError(what + ": lease must be positive");
  return Transact(*pool_, what, [&](pqxx::work& tx) -> absl::StatusOr<std::optional<Claim>> {
    const pqxx::result picked = tx.exec_prepared(sql::kPickPendingExperiment, slot.platform);
    if (picked.empty()) return std::optional<Claim>();
    const pqxx::row row = picked[0];
    Claim claim;
    claim.experiment_id = row[0].as<int64_t>();
    const int64_t sweep_id = row[1].as<int64_t>();
    claim.attempt = row[2].as<int>() + 1;
    BENCHD_ASSIGN_OR_RETURN(claim.parameters, common::ParametersFromJson(JsonFromField(row[3])));
    claim.settings.set_warmup(row[4].as<int>());
    claim.settings.set_iterations(row[5].as<int>());
    claim.settings.set_repeats(row[6].as<int>());
    claim.settings.set_timeout_ms(row[7].as<int64_t>());
    claim.config_key = row[8].as<std::string>();
    claim.settings.set_min_duration_ms(row[9].as<int64_t>());
    // Left unset when the sweep had no `power:`, so settings round-trip exactly.
    if (row[10].as<int>() != 0 || row[11].as<int64_t>() != 0 || row[12].as<int64_t>() != 0) {
      claim.settings.mutable_power()->set_sample_hz(row[10].as<int>());
      claim.settings.mutable_power()->set_idle_ms(row[11].as<int64_t>());
      claim.settings.mutable_power()->set_base_ms(row[12].as<int64_t>());
    }

    claim.run_id =
        tx.exec_prepared1(sql::kInsertRun, claim.experiment_id, claim.attempt, slot.agent_name,
                          slot.device_name, static_cast<int64_t>(lease.count()))[0]
            .as<int64_t>();
    tx.exec_prepared(sql::kMarkExperimentRunning, claim.experiment_id);
    InsertEvent(tx, {.kind = "run_assigned",
                     .sweep_id = sweep_id,
                     .experiment_id = claim.experiment_id,
                     .run_id = claim.run_id,
                     .agent = slot.agent_name,
                     .message = fmt::format("run {} (attempt {}) assigned to device '{}'",
                                            claim.run_id, claim.attempt, slot.device_name)});
    return std::optional<Claim>(std::move(claim));
  });
}

absl::StatusOr<RequeueResult> PgStore::ExpireLeases() {
  const std::string reason = "lease expired";
  return Transact(*pool_, "expire leases", [&](pqxx::work& tx) -> absl::StatusOr<RequeueResult> {
    const pqxx::result lost = tx.exec_prepared(sql::kLoseExpiredRuns, reason);
    return CollectLostRuns(tx, lost, reason);
  });
}

}  // namespace benchd::daemon
