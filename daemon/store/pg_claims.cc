#include "daemon/store/pg_claims.h"

#include <map>
#include <tuple>

#include "common/proto_json.h"
#include "common/status_util.h"
#include "daemon/store/pg_rows.h"
#include "daemon/store/pg_statements.h"
#include "spdlog/fmt/fmt.h"

namespace benchd::daemon {
namespace {

// Reads the columns claim_for_devices returns, but the device's.
absl::StatusOr<Claim> ClaimFromRow(const pqxx::row& row) {
  Claim claim;
  claim.experiment_id = row[0].as<int64_t>();
  claim.attempt = row[1].as<int>();
  BENCHD_ASSIGN_OR_RETURN(claim.parameters, common::ParametersFromJson(JsonFromField(row[2])));
  claim.settings.set_warmup(row[3].as<int>());
  claim.settings.set_iterations(row[4].as<int>());
  claim.settings.set_repeats(row[5].as<int>());
  claim.settings.set_timeout_ms(row[6].as<int64_t>());
  claim.config_key = row[7].as<std::string>();
  claim.settings.set_min_duration_ms(row[8].as<int64_t>());
  // Left unset when the sweep had no `power:`, so settings round-trip exactly.
  if (row[9].as<int>() != 0 || row[10].as<int64_t>() != 0 || row[11].as<int64_t>() != 0) {
    claim.settings.mutable_power()->set_sample_hz(row[9].as<int>());
    claim.settings.mutable_power()->set_idle_ms(row[10].as<int64_t>());
    claim.settings.mutable_power()->set_base_ms(row[11].as<int64_t>());
  }
  claim.run_id = row[12].as<int64_t>();
  claim.settings.set_ci_target(row[13].as<double>());
  claim.settings.set_max_repeats(row[14].as<int>());
  return claim;
}

// Requests that want the same group next, with the same domains, required
// parameters and lease: one statement claims for all of them.
struct SameClaim {
  const WorkGroup* group;
  std::string domains_json;
  const std::vector<std::string>* required_parameters;
  int64_t lease_ms;
  bool operator<(const SameClaim& other) const {
    return std::tie(group, domains_json, *required_parameters, lease_ms) <
           std::tie(other.group, other.domains_json, *other.required_parameters, other.lease_ms);
  }
};

// Claims from `key.group` for the requests `waiting` (indexes into
// `requests`, in request order): the first get the experiments in ordinal
// order; those left over when the group runs short note it as empty.
absl::Status ClaimTogether(pqxx::work& tx, const SameClaim& key, const std::vector<size_t>& waiting,
                           const std::vector<ClaimRequest>& requests, std::vector<ClaimOutcome>& outcomes) {
  const WorkGroup& group = *key.group;
  std::vector<std::string> agents, devices;
  for (size_t index : waiting) {
    agents.push_back(requests[index].slot.agent_name);
    devices.push_back(requests[index].slot.device_name);
  }
  const pqxx::result picked =
      tx.exec_prepared(sql::kClaimForDevices, group.sweep_id, group.platform, group.config_key, group.settings_id,
                       key.domains_json, TextArrayText(agents), TextArrayText(devices), key.lease_ms,
                       group.first_id, group.end_id, TextArrayText(*key.required_parameters));
  // One row per device served, in device order: the first ones.
  size_t served = 0;
  for (const auto& row : picked) {
    if (row[15].as<size_t>() != served + 1) return absl::InternalError("claim served devices out of order");
    BENCHD_ASSIGN_OR_RETURN(Claim claim, ClaimFromRow(row));
    claim.sweep_id = group.sweep_id;
    outcomes[waiting[served]].claim = std::move(claim);
    ++served;
  }
  for (size_t i = served; i < waiting.size(); ++i) outcomes[waiting[i]].came_up_empty.push_back(key.group);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<ClaimOutcome>> ClaimInTransaction(pqxx::work& tx,
                                                             const std::vector<ClaimRequest>& requests) {
  for (const ClaimRequest& request : requests) {
    if (request.lease.count() <= 0) {
      return absl::InvalidArgumentError(fmt::format("claim for agent '{}' device '{}': lease must be positive",
                                                    request.slot.agent_name, request.slot.device_name));
    }
  }
  std::vector<ClaimOutcome> outcomes(requests.size());
  while (true) {
    // Each request not yet served tries its next group.
    std::map<SameClaim, std::vector<size_t>> round;
    for (size_t i = 0; i < requests.size(); ++i) {
      const ClaimRequest& request = requests[i];
      const size_t tried = outcomes[i].came_up_empty.size();
      if (outcomes[i].claim || tried == request.groups.size()) continue;
      round[{request.groups[tried], request.domains_json, &request.required_parameters,
             static_cast<int64_t>(request.lease.count())}]
          .push_back(i);
    }
    if (round.empty()) return outcomes;
    for (const auto& [key, waiting] : round) {
      BENCHD_RETURN_IF_ERROR(ClaimTogether(tx, key, waiting, requests, outcomes));
    }
  }
}

}  // namespace benchd::daemon
