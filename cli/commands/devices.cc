#include "cli/commands/devices.h"

#include "cli/output/format.h"
#include "cli/output/table.h"
#include "common/status_util.h"
#include "nlohmann/json.hpp"
#include "spdlog/fmt/fmt.h"

namespace benchd::cli {

namespace {

// Wide enough for a tool's one-line complaint, narrow enough that the table
// still fits a terminal; `--format json` has the whole text.
constexpr size_t kLastErrorWidth = 60;
constexpr size_t kReasonWidth = 40;

std::string OrDash(const std::string& text) { return text.empty() ? "-" : text; }

// The parameters an experiment must have for the device to be offered it.
std::string NeedsText(const benchd::v1::Device& device) {
  return OrDash(fmt::format("{}", fmt::join(device.required_parameters(), ",")));
}

void RenderDevicesTable(const std::vector<benchd::v1::Agent>& agents, std::ostream& out) {
  Table table(
      {{"AGENT"}, {"DEVICE"}, {"PLATFORM"}, {"STATE"}, {"CONFIG"}, {"NEEDS"}, {"HEALTH"}, {"LAST ERROR"}});
  for (const benchd::v1::Agent& agent : agents) {
    const std::string agent_cell = agent.draining() ? agent.name() + " (draining)" : agent.name();
    for (const benchd::v1::Device& device : agent.devices()) {
      table.AddRow({agent_cell, device.name(), OrDash(device.platform()), OrDash(device.state()),
                    OrDash(device.config_key()), NeedsText(device), DeviceHealthText(device),
                    device.last_error().empty()
                        ? "-"
                        : ShortenForCell(device.last_error(), kLastErrorWidth)});
    }
  }
  table.Render(out);
}

void RenderDevicesJson(const std::vector<benchd::v1::Agent>& agents, std::ostream& out) {
  nlohmann::ordered_json array = nlohmann::ordered_json::array();
  for (const benchd::v1::Agent& agent : agents) {
    for (const benchd::v1::Device& device : agent.devices()) {
      nlohmann::ordered_json object;
      object["agent"] = agent.name();
      object["agent_connected"] = agent.connected();
      object["agent_draining"] = agent.draining();
      object["device"] = device.name();
      object["driver"] = device.driver();
      object["platform"] = device.platform();
      object["state"] = device.state();
      object["config_key"] = device.config_key();
      object["enabled"] = device.enabled();
      object["quarantined"] = device.quarantined();
      object["quarantine_reason"] = device.quarantine_reason();
      object["unavailable_reason"] = device.unavailable_reason();
      object["consecutive_failures"] = device.consecutive_failures();
      object["last_error"] = device.last_error();
      object["current_run_id"] = device.current_run_id();
      object["has_health_check"] = device.has_health_check();
      object["required_parameters"] = std::vector<std::string>(device.required_parameters().begin(),
                                                               device.required_parameters().end());
      array.push_back(std::move(object));
    }
  }
  out << array.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << '\n';
}

}  // namespace

absl::StatusOr<DevicesFormat> ParseDevicesFormat(const std::string& name) {
  if (name == "table") return DevicesFormat::kTable;
  if (name == "json") return DevicesFormat::kJson;
  return absl::InvalidArgumentError("unknown format '" + name + "' (expected table or json)");
}

std::string DeviceHealthText(const benchd::v1::Device& device) {
  if (!device.unavailable_reason().empty()) {
    return "unavailable: " + ShortenForCell(device.unavailable_reason(), kReasonWidth);
  }
  if (device.quarantined()) {
    return device.quarantine_reason().empty()
               ? "quarantined"
               : "quarantined: " + ShortenForCell(device.quarantine_reason(), kReasonWidth);
  }
  if (device.consecutive_failures() > 0) {
    return fmt::format("failures {}", device.consecutive_failures());
  }
  return "ok";
}

absl::Status RunDevices(const CommandContext& context, DevicesFormat format) {
  absl::StatusOr<std::vector<benchd::v1::Agent>> agents = context.client.ListAgents();
  if (!agents.ok()) return common::WithContext(agents.status(), "devices");
  switch (format) {
    case DevicesFormat::kTable:
      RenderDevicesTable(*agents, context.out);
      if (agents->empty()) context.err << "no agents have registered with the coordinator\n";
      break;
    case DevicesFormat::kJson:
      RenderDevicesJson(*agents, context.out);
      break;
  }
  return absl::OkStatus();
}

}  // namespace benchd::cli
