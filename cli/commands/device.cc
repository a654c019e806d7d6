#include "cli/commands/device.h"

#include "common/status_util.h"
#include "spdlog/fmt/fmt.h"

namespace benchd::cli {

namespace {

// Enough to spot a typo; `benchctl devices` lists them all.
constexpr size_t kMaxCandidates = 10;

std::string JoinNames(const std::vector<std::string>& names) {
  std::string text;
  for (size_t i = 0; i < names.size() && i < kMaxCandidates; ++i) {
    if (i > 0) text += ", ";
    text += names[i];
  }
  if (names.size() > kMaxCandidates) {
    text += fmt::format(" and {} more (see 'benchctl devices')", names.size() - kMaxCandidates);
  }
  return text;
}

std::string FullName(const benchd::v1::Agent& agent, const benchd::v1::Device& device) {
  return agent.name() + "/" + device.name();
}

absl::Status NotFound(const std::vector<benchd::v1::Agent>& agents, std::string_view name) {
  std::vector<std::string> known;
  for (const benchd::v1::Agent& agent : agents) {
    for (const benchd::v1::Device& device : agent.devices()) {
      known.push_back(FullName(agent, device));
    }
  }
  if (known.empty()) {
    return absl::NotFoundError(
        fmt::format("no device '{}': no agent with devices has registered", name));
  }
  return absl::NotFoundError(fmt::format("no device '{}' (known: {})", name, JoinNames(known)));
}

// What changed, as the operator needs to know it: a busy device keeps its run.
std::string Outcome(const DeviceRef& ref, bool enabled, bool was_quarantined,
                    const benchd::v1::Device& device) {
  std::string text =
      fmt::format("device {}/{} {}", ref.agent, ref.device, enabled ? "enabled" : "disabled");
  if (enabled && was_quarantined) text += " (quarantine cleared)";
  if (!device.state().empty()) text += ": now " + device.state();
  if (!enabled && device.current_run_id() != 0) {
    text += fmt::format(" until run {} finishes; it gets no new work", device.current_run_id());
  }
  return text + "\n";
}

}  // namespace

absl::StatusOr<DeviceRef> ResolveDeviceName(const std::vector<benchd::v1::Agent>& agents,
                                            std::string_view name) {
  const size_t slash = name.find('/');
  if (slash != std::string_view::npos) {
    DeviceRef ref{std::string(name.substr(0, slash)), std::string(name.substr(slash + 1))};
    if (ref.agent.empty() || ref.device.empty()) {
      return absl::InvalidArgumentError(
          fmt::format("'{}' is not a device name: expected AGENT/DEVICE or DEVICE", name));
    }
    for (const benchd::v1::Agent& agent : agents) {
      if (agent.name() != ref.agent) continue;
      for (const benchd::v1::Device& device : agent.devices()) {
        if (device.name() == ref.device) return ref;
      }
    }
    return NotFound(agents, name);
  }

  std::vector<DeviceRef> matches;
  for (const benchd::v1::Agent& agent : agents) {
    for (const benchd::v1::Device& device : agent.devices()) {
      if (device.name() == name) matches.push_back({agent.name(), device.name()});
    }
  }
  if (matches.size() == 1) return matches.front();
  if (matches.empty()) return NotFound(agents, name);
  std::vector<std::string> candidates;
  for (const DeviceRef& match : matches) candidates.push_back(match.agent + "/" + match.device);
  return absl::InvalidArgumentError(fmt::format(
      "device name '{}' is ambiguous: {}; name one as AGENT/DEVICE", name, JoinNames(candidates)));
}

absl::Status RunSetDeviceEnabled(const CommandContext& context, const std::string& name,
                                 bool enabled) {
  const std::string operation = fmt::format("{} device {}", enabled ? "enable" : "disable", name);
  absl::StatusOr<std::vector<benchd::v1::Agent>> agents = context.client.ListAgents();
  if (!agents.ok()) return common::WithContext(agents.status(), operation);
  absl::StatusOr<DeviceRef> ref = ResolveDeviceName(*agents, name);
  if (!ref.ok()) return common::WithContext(ref.status(), operation);

  bool was_quarantined = false;
  for (const benchd::v1::Agent& agent : *agents) {
    for (const benchd::v1::Device& device : agent.devices()) {
      if (agent.name() == ref->agent && device.name() == ref->device) {
        was_quarantined = device.quarantined();
      }
    }
  }
  absl::StatusOr<benchd::v1::Device> device =
      context.client.SetDeviceEnabled(ref->agent, ref->device, enabled);
  if (!device.ok()) return common::WithContext(device.status(), operation);
  context.out << Outcome(*ref, enabled, was_quarantined, *device);
  return absl::OkStatus();
}

}  // namespace benchd::cli
