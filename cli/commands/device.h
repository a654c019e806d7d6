#pragma once

// `benchctl device enable NAME` and `benchctl device disable NAME`: takes a
// device out of service or puts it back. Enabling also clears a quarantine
// and the device's failure count. A disabled device that is busy finishes its
// current run first; the coordinator gives it no new one.
//
// NAME is AGENT/DEVICE, or just DEVICE when exactly one agent has a device of
// that name. The names are resolved against the coordinator's list of agents.

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "benchd/v1/common.pb.h"
#include "cli/commands/command_context.h"

namespace benchd::cli {

struct DeviceRef {
  std::string agent;
  std::string device;
};

// Finds the device `name` names among `agents`. Errors: NOT_FOUND when no
// device matches, naming the known devices (the first ten); INVALID_ARGUMENT
// when a bare DEVICE matches devices of several agents, listing them as
// AGENT/DEVICE, or when NAME is malformed ("a/", "/b").
[[nodiscard]] absl::StatusOr<DeviceRef> ResolveDeviceName(
    const std::vector<benchd::v1::Agent>& agents, std::string_view name);

// Errors: those of `ResolveDeviceName` and the coordinator's, with
// "enable device NAME: " or "disable device NAME: " in front.
[[nodiscard]] absl::Status RunSetDeviceEnabled(const CommandContext& context,
                                               const std::string& name, bool enabled);

}  // namespace benchd::cli
