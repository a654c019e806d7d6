#pragma once

// The one parser for durations in configuration files: "250ms", "5s", "10m",
// "1h", "1m30s". A bare integer is rejected: units are never guessed.

#include <chrono>
#include <string_view>

#include "absl/status/statusor.h"

namespace benchd::common {

[[nodiscard]] absl::StatusOr<std::chrono::milliseconds> ParseDuration(std::string_view text);

}  // namespace benchd::common
