#pragma once

// Which pending work a free device should take, as pure functions of the
// work groups and the device (no clock, no database), so the rules can be
// tested exactly. The store claims within the chosen group.
//
// The order, for one device:
//  1. only groups the device can run: same platform, and the group's
//     required labels are among the device's labels (parameter domains are
//     checked per experiment by the claim);
//  2. higher sweep priority first;
//  3. within a priority, the device's current configuration first, so a
//     device is reconfigured (power mode, firmware, bitstream) only when no
//     work for its configuration is left; then the configuration with the
//     most pending work, so each switch buys as much work as possible;
//  4. within a configuration, fair share: the sweep that has used the least
//     device time goes first, the older sweep on a tie (round robin by device
//     time);
//  5. within a sweep, FIFO by ordinal (the claim's ORDER BY).
// Reconfiguration cost outranks fairness: two sweeps wanting different power
// modes on one board take turns per configuration, not per experiment.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "daemon/store/store.h"

namespace benchd::daemon {

// A free device as the policy sees it.
struct DeviceView {
  std::string platform{};
  std::map<std::string, std::string> labels{};
  // Empty when unknown (the agent just started).
  std::string config_key{};
};

[[nodiscard]] bool CanRun(const DeviceView& device, const WorkGroup& group);

// Device time each sweep has used so far (fair share); sweeps absent have
// used none.
using DeviceTimeOf = std::function<std::chrono::nanoseconds(int64_t sweep_id)>;

// The groups `device` can run, best first (see the rules above). Groups with
// no pending work are left out.
[[nodiscard]] std::vector<const WorkGroup*> RankGroups(const DeviceView& device,
                                                       const std::vector<WorkGroup>& groups,
                                                       const DeviceTimeOf& device_time);

}  // namespace benchd::daemon
