#pragma once

// The Jetson TX2 INA3221 monitors through NVIDIA's `ina3221x` IIO driver:
// `<dir>/<i2c device>/iio:device<K>/` (older L4T: `iio_device/`) holds, per
// channel N, `rail_name_N` (VDD_IN, VDD_SYS_GPU, ...) and `in_power<N>_input`
// in mW. Rails are found by globbing and reading the `rail_name_*` files; the
// device number K and the channel numbers are assigned at probe time and are
// never assumed.

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "agents/power/polled_source.h"
#include "agents/power/sysfs_attribute.h"

namespace benchd::agent::power {

struct Ina3221Options {
  std::string dir = "/sys/bus/i2c/drivers/ina3221x";  // already under the filesystem root
  std::vector<std::string> rails;                     // rail names to keep; empty: all
};

class Ina3221Source final : public PolledSource {
 public:
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<Ina3221Source>> Create(const Ina3221Options& options);

  const std::vector<std::string>& rails() const override { return names_; }
  [[nodiscard]] absl::Status Poll(int64_t t_ns, std::vector<RailValue>& out) override;

 private:
  Ina3221Source() = default;

  std::vector<std::string> names_;
  std::vector<SysfsAttribute> power_mw_;
};

}  // namespace benchd::agent::power
