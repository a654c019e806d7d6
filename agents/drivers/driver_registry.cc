#include "agents/drivers/driver_registry.h"

#include <array>

#include "agents/drivers/bismo_driver.h"
#include "agents/drivers/command_driver.h"
#include "agents/drivers/edgetpu_driver.h"
#include "agents/drivers/finn_driver.h"
#include "agents/drivers/host_cpu_driver.h"
#include "agents/drivers/jetson_driver.h"
#include "agents/drivers/mcu_tflm_driver.h"
#include "agents/drivers/openvino_driver.h"
#include "agents/drivers/vitis_dpu_driver.h"
#include "common/status_util.h"

namespace benchd::agent {
namespace {

constexpr std::array kDrivers = {
    DriverEntry{BismoDriver::kName, &BismoDriver::Create},
    DriverEntry{CommandDriver::kName, &CommandDriver::Create},
    DriverEntry{EdgeTpuDriver::kName, &EdgeTpuDriver::Create},
    DriverEntry{FinnDriver::kName, &FinnDriver::Create},
    DriverEntry{HostCpuDriver::kName, &HostCpuDriver::Create},
    DriverEntry{JetsonDriver::kName, &JetsonDriver::Create},
    DriverEntry{McuTflmDriver::kName, &McuTflmDriver::Create},
    DriverEntry{OpenVinoDriver::kName, &OpenVinoDriver::Create},
    DriverEntry{VitisDpuDriver::kName, &VitisDpuDriver::Create},
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
