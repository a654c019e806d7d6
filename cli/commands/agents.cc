#include "cli/commands/agents.h"

#include <string>

#include "cli/output/format.h"
#include "cli/output/table.h"
#include "common/status_util.h"

namespace benchd::cli {

absl::Status RunAgents(const CommandContext& context) {
  absl::StatusOr<std::vector<benchd::v1::Agent>> agents = context.client.ListAgents();
  if (!agents.ok()) return common::WithContext(agents.status(), "agents");

  Table table({{"AGENT"},
               {"HOST"},
               {"CONNECTED"},
               {"LAST SEEN"},
               {"DEVICE"},
               {"DRIVER"},
               {"PLATFORM"},
               {"STATE"}});
  for (const benchd::v1::Agent& agent : *agents) {
    const std::string connected = agent.connected() ? "yes" : "no";
    const std::string last_seen = FormatTimestamp(agent.last_seen());
    // An agent without devices still gets a row, so that it is not mistaken
    // for one the coordinator does not know.
    if (agent.devices().empty()) {
      table.AddRow({agent.name(), agent.hostname(), connected, last_seen, "-", "-", "-", "-"});
    }
    // The agent is repeated on every device row so that `grep` keeps it.
    for (const benchd::v1::Device& device : agent.devices()) {
      table.AddRow({agent.name(), agent.hostname(), connected, last_seen, device.name(),
                    device.driver(), device.platform(),
                    device.state().empty() ? "-" : device.state()});
    }
  }
  table.Render(context.out);
  if (agents->empty()) context.err << "no agents have registered with the coordinator\n";
  return absl::OkStatus();
}

}  // namespace benchd::cli
