#pragma once

// A power source read by polling files: hwmon, the Jetson INA3221 IIO
// driver, RAPL powercap. Each implementation finds its rails once, at
// creation, by their name files (never by fixed indices, which change across
// boots), keeps the value files open, and converts units to watts and joules.
//
// Thread-safety: one thread at a time (the sampler's).

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace benchd::agent::power {

struct RailValue {
  size_t rail = 0;  // index into `rails()`
  double watts = 0;
  double energy_j = std::numeric_limits<double>::quiet_NaN();  // NaN: no counter
};

class PolledSource {
 public:
  virtual ~PolledSource() = default;
  // The rails, in the order `Poll` indexes them.
  virtual const std::vector<std::string>& rails() const = 0;
  // Reads every rail once at time `t_ns`. `out` is cleared, then holds the
  // rails that read fine (a reused buffer: this runs up to kHz rates). A
  // rail may have no value yet (a counter's first reading). Returns the
  // first read error, if any, after reading the other rails.
  [[nodiscard]] virtual absl::Status Poll(int64_t t_ns, std::vector<RailValue>& out) = 0;
};

}  // namespace benchd::agent::power

namespace benchd::agent::power {

// Keeps the discovered rails that `wanted` names, in `wanted`'s order; all of
// them, in discovery order, when `wanted` is empty. NOT_FOUND names a wanted
// rail that is missing and lists those found; FAILED_PRECONDITION when two
// discovered rails share a name (and `wanted` does not avoid it) or nothing
// was found at all. `what` names the source in messages ("hwmon under
// '/sys/class/hwmon'").
[[nodiscard]] absl::StatusOr<std::vector<size_t>> SelectRails(const std::vector<std::string>& found,
                                                              const std::vector<std::string>& wanted,
                                                              const std::string& what);

}  // namespace benchd::agent::power
