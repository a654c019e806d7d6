#pragma once

// Parser of `nvpmodel -q` (runtimes.md 1.3): the line `NV Power Mode: MAXN`
// and the mode id on the next non-blank line. Lines before them (NVPM WARN
// messages) are ignored. Pure functions.
//
// Errors: DATA_LOSS with the line number for binary garbage, a missing
// `NV Power Mode:` line, an empty mode name, or a missing or non-integer id.

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace benchd::agent {

struct NvpmodelMode {
  std::string name;  // as configured in nvpmodel.conf, e.g. "MAXP_CORE_ALL"
  int64_t id = -1;
};

[[nodiscard]] absl::StatusOr<NvpmodelMode> ParseNvpmodelQuery(std::string_view text);

}  // namespace benchd::agent
