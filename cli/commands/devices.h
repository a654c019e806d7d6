#pragma once

// `benchctl devices [--format table|json]`: one row per device of every
// agent, with what an operator needs to see why work is not running: the
// device's state (idle, busy, offline, disabled, quarantined, draining), the
// configuration it is in, its health (ok, quarantined with the reason, or its
// count of consecutive failures) and its last error. A draining agent shows
// as "AGENT (draining)" on all its rows, whatever each device is doing.
//
// JSON is an array of objects, one per device, with the agent's name,
// connected and draining flags and the device's fields, in full (the table
// shortens long errors).

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "benchd/v1/common.pb.h"
#include "cli/commands/command_context.h"

namespace benchd::cli {

enum class DevicesFormat { kTable, kJson };

// "table" or "json". Errors: INVALID_ARGUMENT for anything else.
[[nodiscard]] absl::StatusOr<DevicesFormat> ParseDevicesFormat(const std::string& name);

// "ok", "quarantined: REASON", or "failures N" for a device that has failed
// N times in a row but is not (yet) quarantined.
std::string DeviceHealthText(const benchd::v1::Device& device);

// Errors: the coordinator's, with "devices: " in front.
[[nodiscard]] absl::Status RunDevices(const CommandContext& context, DevicesFormat format);

}  // namespace benchd::cli
