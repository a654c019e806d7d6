#pragma once

// RAPL energy counters through powercap: `<dir>/intel-rapl:<...>/` with
// `name` (package-0, core, uncore, dram, psys), `energy_uj` (cumulative µJ)
// and `max_energy_range_uj` (where the counter wraps to 0). Zones are named
// by their `name` files, subzones as "<parent name>/<name>"
// ("package-1/core"), never by their numbers.
//
// Each poll reports the power over the last interval, Δenergy/Δt, at the
// poll's time, and the energy accumulated since the first poll with
// wrap-arounds undone: Δ = (max_energy_range_uj - old) + new when new < old.
// That is exact to one counter unit; a counter that wraps more than once
// between two polls (hours apart at 100 W) cannot be told apart, so poll at
// least a few times per wrap period. The first poll only sets the baseline.
// `energy_uj` is root-only on kernels with the CVE-2020-8694 fix: creation
// then fails with UNAVAILABLE (permission denied).

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "agents/power/polled_source.h"
#include "agents/power/sysfs_attribute.h"

namespace benchd::agent::power {

struct RaplOptions {
  std::string dir = "/sys/class/powercap";  // already under the filesystem root
  std::vector<std::string> rails;           // zone names to keep; empty: all
};

// The µJ advanced from `old_uj` to `new_uj` on a counter that wraps at
// `max_range_uj`.
int64_t CounterDelta(int64_t old_uj, int64_t new_uj, int64_t max_range_uj);

class RaplSource final : public PolledSource {
 public:
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<RaplSource>> Create(const RaplOptions& options);

  const std::vector<std::string>& rails() const override { return names_; }
  [[nodiscard]] absl::Status Poll(int64_t t_ns, std::vector<RailValue>& out) override;

 private:
  struct Zone {
    SysfsAttribute energy_uj;
    int64_t max_range_uj = 0;
    bool has_last = false;
    int64_t last_uj = 0;
    int64_t last_t_ns = 0;
    int64_t total_uj = 0;
  };
  RaplSource() = default;

  std::vector<std::string> names_;
  std::vector<Zone> zones_;
};

}  // namespace benchd::agent::power
