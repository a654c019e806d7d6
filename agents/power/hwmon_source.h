#pragma once

// hwmon power rails (/sys/class/hwmon/hwmon*/): `power<N>_input` in µW; on
// chips without power files (the mainline `ina3221` driver) `in<N>_input`
// (mV) times `curr<N>_input` (mA) of the same channel N. Rails are named by
// `power<N>_label`, `curr<N>_label` or `in<N>_label`, else "<chip>/power<N>"
// or "<chip>/curr<N>"; chips are told apart by their `name` file, since the
// hwmonX numbers change across boots.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "agents/power/polled_source.h"
#include "agents/power/sysfs_attribute.h"

namespace benchd::agent::power {

struct HwmonOptions {
  std::string dir = "/sys/class/hwmon";  // already under the filesystem root
  std::string chip;                      // only chips whose `name` is this; empty: all
  std::vector<std::string> rails;        // labels to keep; empty: all
};

class HwmonSource final : public PolledSource {
 public:
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<HwmonSource>> Create(const HwmonOptions& options);

  const std::vector<std::string>& rails() const override { return names_; }
  [[nodiscard]] absl::Status Poll(int64_t t_ns, std::vector<RailValue>& out) override;

 private:
  struct Rail {
    SysfsAttribute first;                  // power (µW), or voltage (mV)
    std::optional<SysfsAttribute> second;  // current (mA) when `first` is a voltage
  };
  HwmonSource() = default;

  std::vector<std::string> names_;
  std::vector<Rail> rails_;
};

}  // namespace benchd::agent::power
