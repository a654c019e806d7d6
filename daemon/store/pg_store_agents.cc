// PgStore: agents, devices, claims and leases.

#include <algorithm>
#include <map>
#include <set>
#include <tuple>
#include <unordered_map>

#include "common/proto_json.h"
#include "common/status_util.h"
#include "daemon/store/pg_claims.h"
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
                     .message = fmt::format("run {} lost ({}); {}", run_id, reason, outcome),
                     .device = row[5].as<std::string>()});
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

nlohmann::json DomainsJson(const benchd::v1::Device& device) {
  nlohmann::json json = nlohmann::json::object();
  for (const auto& domain : device.domains()) {
    json[domain.name()] = std::vector<std::string>(domain.values().begin(), domain.values().end());
  }
  return json;
}

std::map<std::string, std::string> StringMapFromJson(const nlohmann::json& json) {
  std::map<std::string, std::string> map;
  for (const auto& [key, value] : json.items()) {
    if (value.is_string()) map[key] = value.get<std::string>();
  }
  return map;
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
                       {"labels", LabelsJson(device.labels())},
                       {"domains", DomainsJson(device)},
                       {"required_parameters", std::vector<std::string>(device.required_parameters().begin(),
                                                                        device.required_parameters().end())},
                       {"has_health_check", device.has_health_check()},
                       {"config_key", device.config_key()},
                       {"unavailable_reason", SanitizeText(device.unavailable_reason())}});
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
    for (const auto& device : hello.devices()) {
      if (device.unavailable_reason().empty()) continue;
      InsertEvent(tx, {.kind = "device_unavailable",
                       .agent = hello.agent_name(),
                       .message = fmt::format("device '{}' is unavailable: {}", device.name(),
                                              SanitizeText(device.unavailable_reason())),
                       .device = device.name()});
    }
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

absl::StatusOr<std::vector<int64_t>> PgStore::RecordHeartbeat(const std::string& agent_name,
                                                              const std::vector<int64_t>& active_run_ids,
                                                              std::chrono::milliseconds lease) {
  return Transact(*dispatch_pool_, fmt::format("record heartbeat of agent '{}'", agent_name),
                  [&](pqxx::work& tx) -> absl::StatusOr<std::vector<int64_t>> {
                    if (tx.exec_prepared(sql::kTouchAgent, agent_name).empty()) {
                      return absl::NotFoundError("no such agent");
                    }
                    std::vector<int64_t> renewed;
                    if (active_run_ids.empty()) return renewed;
                    for (const auto& row :
                         tx.exec_prepared(sql::kExtendAgentLeases, agent_name, Int64ArrayText(active_run_ids),
                                          static_cast<int64_t>(lease.count()))) {
                      renewed.push_back(row[0].as<int64_t>());
                    }
                    std::sort(renewed.begin(), renewed.end());
                    return renewed;
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
          agent.set_draining(row[6].as<bool>());
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
          for (const auto& [key, value] : StringMapFromJson(JsonFromField(row[4]))) {
            (*device.mutable_labels())[key] = value;
          }
          device.set_current_run_id(row[5].as<int64_t>());
          device.set_enabled(row[6].as<bool>());
          device.set_quarantined(row[7].as<bool>());
          device.set_quarantine_reason(row[8].as<std::string>());
          device.set_consecutive_failures(row[9].as<int>());
          device.set_last_error(row[10].as<std::string>());
          device.set_config_key(row[11].as<std::string>());
          device.set_has_health_check(row[12].as<bool>());
          // Named: a range-for over items() of a temporary would dangle.
          const nlohmann::json domains = JsonFromField(row[13]);
          for (const auto& [name, values] : domains.items()) {
            auto& domain = *device.add_domains();
            domain.set_name(name);
            for (const auto& value : values) {
              if (value.is_string()) domain.add_values(value.get<std::string>());
            }
          }
          for (std::string& name : TextArrayFromField(row[14])) device.add_required_parameters(std::move(name));
          device.set_unavailable_reason(row[15].as<std::string>());
          // Busy wins over the operator states: the device is still running
          // something a drain or disable lets finish.
          const char* state = !agent.connected()                     ? "offline"
                              : device.current_run_id() != 0           ? "busy"
                              : !device.enabled()                      ? "disabled"
                              : !device.unavailable_reason().empty()   ? "unavailable"
                              : device.quarantined()                   ? "quarantined"
                              : agent.draining()                       ? "draining"
                                                                       : "idle";
          device.set_state(state);
        }
        return agents;
      });
}

absl::StatusOr<std::vector<WorkGroup>> PgStore::LoadWorkGroups() {
  return Transact(*pool_, "load work groups", [&](pqxx::work& tx) -> absl::StatusOr<std::vector<WorkGroup>> {
    std::vector<WorkGroup> groups;
    for (const auto& row : tx.exec_prepared(sql::kWorkGroups)) {
      WorkGroup group;
      group.sweep_id = row[0].as<int64_t>();
      group.priority = row[1].as<int>();
      group.platform = row[2].as<std::string>();
      group.config_key = row[3].as<std::string>();
      group.settings_id = row[4].as<int64_t>();
      group.requires_labels = StringMapFromJson(JsonFromField(row[5]));
      group.pending = row[6].as<int64_t>();
      group.first_id = Int64Or(row[7], 0);
      group.end_id = Int64Or(row[8], 0);
      groups.push_back(std::move(group));
    }
    return groups;
  });
}

absl::StatusOr<std::vector<DeviceHealth>> PgStore::LoadDeviceHealth() {
  return Transact(*pool_, "load device health",
                  [&](pqxx::work& tx) -> absl::StatusOr<std::vector<DeviceHealth>> {
                    std::vector<DeviceHealth> devices;
                    for (const auto& row : tx.exec_prepared(sql::kDeviceHealth)) {
                      devices.push_back({.agent_name = row[0].as<std::string>(),
                                         .device_name = row[1].as<std::string>(),
                                         .enabled = row[2].as<bool>(),
                                         .quarantined = row[3].as<bool>(),
                                         .agent_draining = row[4].as<bool>(),
                                         .has_health_check = row[5].as<bool>(),
                                         .domains_json = row[6].as<std::string>(),
                                         .required_parameters = TextArrayFromField(row[7]),
                                         .unavailable = row[8].as<bool>()});
                    }
                    return devices;
                  });
}

absl::StatusOr<std::vector<ClaimOutcome>> PgStore::ClaimBatch(const std::vector<ClaimRequest>& requests) {
  return Transact(*dispatch_pool_, fmt::format("claim experiments for {} device(s)", requests.size()),
                  [&](pqxx::work& tx) { return ClaimInTransaction(tx, requests); });
}

absl::StatusOr<RequeueResult> PgStore::ExpireLeases() {
  const std::string reason = "lease expired";
  return Transact(*dispatch_pool_, "expire leases", [&](pqxx::work& tx) -> absl::StatusOr<RequeueResult> {
    const pqxx::result lost = tx.exec_prepared(sql::kLoseExpiredRuns, reason);
    return CollectLostRuns(tx, lost, reason);
  });
}

}  // namespace benchd::daemon
