#pragma once

// Parses a sweep file into a SweepSpec. The only reader of sweep YAML.
//
// Sweep files (see README "Sweep files"):
//   name: quickstart                 # required
//   description: ...                 # optional
//   platform: host-cpu               # a fixed parameter, or a matrix axis
//   model: {topology: MLP, dataset: mnist}
//   matrix: {precision: [FP32, INT8], pruning: [100, 50], batch: [1, 8]}
//   exclude: [{precision: INT8, batch: 1}]
//   run: {warmup: 10, iterations: 200, repeats: 1, timeout: 2m, retries: 2}
//
// Errors are INVALID_ARGUMENT with "file:line:column: key.path: message".

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "common/sweep/sweep_spec.h"

namespace benchd::common {

// Sweep files larger than this are refused before parsing.
inline constexpr size_t kMaxSweepFileBytes = 1 << 20;

[[nodiscard]] absl::StatusOr<SweepSpec> ParseSweep(std::string_view text, const std::string& file_name);

}  // namespace benchd::common
