#include "agents/drivers/jetson_power_modes.h"

#include <utility>

#include "agents/drivers/tool_driver_support.h"
#include "common/status_util.h"
#include "spdlog/fmt/fmt.h"
#include "spdlog/spdlog.h"

namespace benchd::agent {
namespace {

// nvpmodel rewrites sysfs knobs and may wait for CPUs to come on- or offline;
// it is quick, but a wedged board must not hang the agent.
constexpr std::chrono::seconds kModeToolTimeout{60};

}  // namespace

JetsonPowerModes::JetsonPowerModes(JetsonModeOptions options, common::ProcessRunner& runner)
    : options_(std::move(options)), runner_(runner) {}

absl::StatusOr<common::ProcessOutcome> JetsonPowerModes::Tool(std::vector<std::string> argv,
                                                             const std::atomic<bool>* cancel,
                                                             const std::string& work_dir,
                                                             const std::string& raw_name) {
  common::ProcessSpec spec;
  spec.argv = std::move(argv);
  spec.extra_env = options_.environment;
  spec.timeout = kModeToolTimeout;
  return RunTool(runner_, spec, cancel, work_dir, raw_name);
}

absl::StatusOr<NvpmodelMode> JetsonPowerModes::Query(const std::atomic<bool>* cancel, const std::string& work_dir) {
  BENCHD_ASSIGN_OR_RETURN(common::ProcessOutcome outcome,
                          Tool({options_.nvpmodel, "-q"}, cancel, work_dir, "nvpmodel-query"));
  return ParseNvpmodelQuery(outcome.stdout_text);
}

absl::StatusOr<benchd::v1::Environment> JetsonPowerModes::Set(const std::string& power_mode,
                                                             const std::atomic<bool>& cancel,
                                                             const std::string& work_dir) {
  const std::string key = Lower(power_mode);
  auto mode = options_.modes.find(key);
  if (mode == options_.modes.end()) {
    std::vector<std::string> known;
    for (const auto& [name, id] : options_.modes) known.push_back(name);
    return absl::FailedPreconditionError(
        fmt::format("no power mode '{}' on this board: known are {}", power_mode, fmt::join(known, ", ")));
  }
  const int64_t id = mode->second;
  if (!original_mode_) {
    BENCHD_ASSIGN_OR_RETURN(NvpmodelMode before, Query(&cancel, work_dir));
    original_mode_ = before.id;
  }
  if (options_.pin_clocks && !clocks_stored_) {
    // Saved once, before anything is pinned, so Restore returns to the
    // board's own settings rather than to an earlier pinned state.
    std::vector<std::string> store = {options_.jetson_clocks, "--store"};
    if (!options_.clocks_store_file.empty()) store.push_back(options_.clocks_store_file);
    BENCHD_RETURN_IF_ERROR(Tool(store, &cancel, work_dir, "jetson_clocks-store").status());
    clocks_stored_ = true;
  }
  mode_changed_ = true;
  BENCHD_RETURN_IF_ERROR(
      Tool({options_.nvpmodel, "-m", std::to_string(id)}, &cancel, work_dir, "nvpmodel-set").status());
  // After nvpmodel: changing the mode resets the clocks (runtimes.md 1.3).
  if (options_.pin_clocks) {
    BENCHD_RETURN_IF_ERROR(Tool({options_.jetson_clocks}, &cancel, work_dir, "jetson_clocks").status());
  }
  BENCHD_ASSIGN_OR_RETURN(NvpmodelMode after, Query(&cancel, work_dir));
  if (after.id != id) {
    return absl::UnavailableError(fmt::format("power mode read back as {} (id {}) after setting '{}' (id {})",
                                              after.name, after.id, power_mode, id));
  }
  benchd::v1::Environment environment;
  auto& entries = *environment.mutable_entries();
  entries["power_mode"] = key;
  entries["nvpmodel_id"] = std::to_string(after.id);
  entries["nvpmodel_name"] = after.name;
  entries["jetson_clocks"] = options_.pin_clocks ? "pinned" : "not pinned";
  return environment;
}

absl::Status JetsonPowerModes::Restore() {
  absl::Status first_error;
  const std::atomic<bool> no_cancel{false};
  // The mode first, since setting it resets the clocks that are then restored.
  if (mode_changed_ && original_mode_) {
    absl::Status status =
        Tool({options_.nvpmodel, "-m", std::to_string(*original_mode_)}, &no_cancel, "", "").status();
    if (!status.ok()) first_error = common::WithContext(status, "restore nvpmodel mode");
  }
  if (clocks_stored_) {
    std::vector<std::string> restore = {options_.jetson_clocks, "--restore"};
    if (!options_.clocks_store_file.empty()) restore.push_back(options_.clocks_store_file);
    absl::Status status = Tool(restore, &no_cancel, "", "").status();
    if (!status.ok() && first_error.ok()) first_error = common::WithContext(status, "restore clocks");
  }
  if (first_error.ok()) {
    mode_changed_ = false;
    clocks_stored_ = false;
  }
  return first_error;
}

}  // namespace benchd::agent
