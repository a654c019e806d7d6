#pragma once

// Turns a submitted sweep file into the sweep and experiments to store:
// parse, expand against the platform catalog, attach run settings.

#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/platform_catalog.h"
#include "daemon/store/store.h"

namespace benchd::daemon {

struct PlanOptions {
  bool prune_invalid = false;
  size_t max_points = 1'000'000;
  // Resubmission: points with these keys already succeeded in `resumed_from`.
  int64_t resumed_from = 0;
  std::set<std::string> measured_point_keys;
};

struct PlannedSweep {
  NewSweep sweep;
  int64_t already_measured = 0;
  std::vector<std::string> dropped;  // "parameters: reason"
};

// Errors: INVALID_ARGUMENT naming file:line:column and the key path;
// FAILED_PRECONDITION when a resubmission has nothing left to run.
[[nodiscard]] absl::StatusOr<PlannedSweep> PlanSweep(const std::string& yaml, const std::string& file_name,
                                                     const common::PlatformCatalog& catalog,
                                                     const PlanOptions& options = {});

}  // namespace benchd::daemon
