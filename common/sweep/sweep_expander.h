#pragma once

// Expands a SweepSpec into its points and checks each against the platform
// catalog. Expansion is deterministic: matrix axes in file order, the last
// axis varying fastest.

#include <vector>

#include "absl/status/statusor.h"
#include "common/platform_catalog.h"
#include "common/sweep/sweep_spec.h"

namespace benchd::common {

struct ExpandOptions {
  // A product larger than this is refused before any point is built.
  size_t max_points = 1'000'000;
};

// Errors (INVALID_ARGUMENT, with file:line:column of the offending value):
// no platform, an unknown platform, a value the platform does not accept, an
// exclude naming an unknown parameter, a product over the cap, nothing left
// after excludes, duplicate points.
[[nodiscard]] absl::StatusOr<std::vector<SweepPoint>> ExpandSweep(const SweepSpec& spec,
                                                                  const PlatformCatalog& catalog,
                                                                  const ExpandOptions& options = {});

}  // namespace benchd::common
