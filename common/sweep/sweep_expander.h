#pragma once

// Expands a SweepSpec into its points and checks each against the platform
// catalog. Expansion is deterministic: matrix axes in file order, the last
// axis varying fastest.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/platform_catalog.h"
#include "common/sweep/sweep_spec.h"

namespace benchd::common {

struct ExpandOptions {
  // A product larger than this is refused before any point is built.
  size_t max_points = 1'000'000;
  // Points on an unknown platform or with a value their platform does not
  // accept are dropped and listed instead of failing the whole sweep.
  bool prune_invalid = false;
  // Points carry `parameters_json` instead of `parameters` (what the store
  // needs; much faster for large matrices).
  bool json_parameters = false;
};

// Order of operations: the matrix product (with zip groups as compound axes
// after the matrix axes), then `exclude:`, then `include:`, then `where:`,
// then the catalog check (or pruning), then duplicate detection.
// Errors (INVALID_ARGUMENT, with file:line:column of the offending value):
// no platform, an unknown platform, a value the platform does not accept, an
// exclude naming an unknown parameter, a product over the cap, nothing left,
// duplicate points, a where expression that cannot be evaluated on a point.
[[nodiscard]] absl::StatusOr<Expansion> ExpandSweep(const SweepSpec& spec, const PlatformCatalog& catalog,
                                                    const ExpandOptions& options = {});

// The point key of a point (hex 64-bit FNV-1a digest of its canonical text).
std::string PointKey(const benchd::v1::Parameters& parameters);

// One parameter's part of the canonical text that point keys digest; a
// point's text is the parts of its parameters in name order.
void AppendCanonicalText(std::string& text, const std::string& name, const benchd::v1::ParamValue& value);

// The 64-bit FNV-1a digest that point keys print, fed in pieces.
inline constexpr uint64_t kFnv1aBasis = 0xcbf29ce484222325ULL;
inline uint64_t Fnv1a64(uint64_t hash, const std::string& text) {
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

}  // namespace benchd::common
