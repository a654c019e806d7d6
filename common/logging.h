#pragma once

// Initialises spdlog once, in `main`. Daemons log to stderr; nothing else in
// benchd configures logging.

#include <string>

#include "absl/status/status.h"

namespace benchd::common {

// `level` is one of trace, debug, info, warn, error. `program` prefixes lines.
[[nodiscard]] absl::Status InitLogging(const std::string& program, const std::string& level);

}  // namespace benchd::common
