#pragma once

// Turns a submitted sweep file into the sweep and experiments to store:
// parse, expand against the platform catalog, attach run settings.

#include <string>

#include "absl/status/statusor.h"
#include "common/platform_catalog.h"
#include "daemon/store/store.h"

namespace benchd::daemon {

// Errors: INVALID_ARGUMENT naming file:line:column and the key path.
[[nodiscard]] absl::StatusOr<NewSweep> PlanSweep(const std::string& yaml, const std::string& file_name,
                                                 const common::PlatformCatalog& catalog);

}  // namespace benchd::daemon
