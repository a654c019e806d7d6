#include "agents/drivers/driver_registry.h"

#include <array>

#include "agents/drivers/host_cpu_driver.h"
#include "common/status_util.h"

namespace benchd::agent {
namespace {

constexpr std::array kDrivers = {
    DriverEntry{HostCpuDriver::kName, &HostCpuDriver::Create},
};

}  // namespace

std::span<const DriverEntry> KnownDrivers() { return kDrivers; }

absl::StatusOr<std::unique_ptr<Driver>> CreateDriver(const std::string& driver_name,
                                                     const DriverOptions& options,
                                                     common::ProcessRunner& runner) {
  std::string known;
  for (const DriverEntry& entry : kDrivers) {
    if (entry.name == driver_name) {
      absl::StatusOr<std::unique_ptr<Driver>> driver = entry.factory(options, runner);
      if (!driver.ok())
        return common::WithContext(driver.status(), "create driver '" + driver_name + "'");
      return driver;
    }
    if (!known.empty()) known += ", ";
    known += entry.name;
  }
  return absl::InvalidArgumentError("create driver '" + driver_name +
                                    "': unknown driver, known are " + known);
}

}  // namespace benchd::agent
