#include "daemon/core/scheduling_policy.h"

#include <algorithm>
#include <tuple>

namespace benchd::daemon {

bool CanRun(const DeviceView& device, const WorkGroup& group) {
  if (group.platform != device.platform) return false;
  for (const auto& [key, value] : group.requires_labels) {
    auto it = device.labels.find(key);
    if (it == device.labels.end() || it->second != value) return false;
  }
  return true;
}

std::vector<const WorkGroup*> RankGroups(const DeviceView& device, const std::vector<WorkGroup>& groups,
                                         const DeviceTimeOf& device_time) {
  std::vector<const WorkGroup*> runnable;
  // Pending work per (priority, configuration) among what this device can
  // run: another device's labels must not pull this one into a switch.
  std::map<std::pair<int, std::string>, int64_t> work_of_config;
  std::map<int64_t, std::chrono::nanoseconds> used;
  for (const WorkGroup& group : groups) {
    if (group.pending <= 0 || !CanRun(device, group)) continue;
    runnable.push_back(&group);
    work_of_config[{group.priority, group.config_key}] += group.pending;
    if (!used.count(group.sweep_id)) used[group.sweep_id] = device_time(group.sweep_id);
  }
  auto rank = [&](const WorkGroup* g) {
    const bool current = !device.config_key.empty() && g->config_key == device.config_key;
    // Negated where larger ranks first, so that one tuple sorts ascending.
    return std::make_tuple(-static_cast<int64_t>(g->priority), current ? 0 : 1,
                           -work_of_config[{g->priority, g->config_key}], std::cref(g->config_key),
                           used[g->sweep_id], g->sweep_id, g->settings_id);
  };
  std::stable_sort(runnable.begin(), runnable.end(),
                   [&](const WorkGroup* a, const WorkGroup* b) { return rank(a) < rank(b); });
  return runnable;
}

}  // namespace benchd::daemon
