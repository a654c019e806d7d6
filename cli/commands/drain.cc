#include "cli/commands/drain.h"

#include "cli/output/table.h"
#include "common/status_util.h"
#include "spdlog/fmt/fmt.h"

namespace benchd::cli {

namespace {

// The coordinator answers only with a count; the runs themselves are the
// agent's devices' current runs.
absl::Status RenderActiveRuns(const CommandContext& context, const std::string& agent_name) {
  absl::StatusOr<std::vector<benchd::v1::Agent>> agents = context.client.ListAgents();
  if (!agents.ok()) return agents.status();
  Table table({{"RUN", Align::kRight}, {"DEVICE"}, {"PLATFORM"}});
  for (const benchd::v1::Agent& agent : *agents) {
    if (agent.name() != agent_name) continue;
    for (const benchd::v1::Device& device : agent.devices()) {
      if (device.current_run_id() == 0) continue;
      table.AddRow({std::to_string(device.current_run_id()), device.name(), device.platform()});
    }
  }
  if (table.row_count() > 0) table.Render(context.out);
  return absl::OkStatus();
}

}  // namespace

absl::Status RunDrain(const CommandContext& context, const DrainOptions& options) {
  const std::string operation =
      fmt::format("{} agent {}", options.undo ? "undrain" : "drain", options.agent);
  absl::StatusOr<int64_t> active = context.client.DrainAgent(options.agent, options.undo);
  if (!active.ok()) return common::WithContext(active.status(), operation);
  if (options.undo) {
    context.out << fmt::format("agent {} takes work again\n", options.agent);
    return absl::OkStatus();
  }
  if (*active == 0) {
    context.out << fmt::format("agent {} is draining: it gets no new work and has no active runs\n",
                               options.agent);
    return absl::OkStatus();
  }
  context.out << fmt::format(
      "agent {} is draining: it gets no new work and is finishing {} active run(s)\n",
      options.agent, *active);
  if (absl::Status listed = RenderActiveRuns(context, options.agent); !listed.ok()) {
    context.err << "benchctl: note: cannot list the active runs: " << listed.message() << '\n';
  }
  return absl::OkStatus();
}

}  // namespace benchd::cli
