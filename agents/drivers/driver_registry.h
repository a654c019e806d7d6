#pragma once

// The explicit table of drivers, by the name a device's `driver:` key uses.
// Adding a driver is one row in driver_registry.cc; there is no static
// self-registration.
// Thread-safety: the table is immutable; `CreateDriver` may be called from
// any thread. The ProcessRunner must outlive every driver made with it.

#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "agents/drivers/driver.h"
#include "common/process_runner.h"

namespace benchd::agent {

using DriverFactory = absl::StatusOr<std::unique_ptr<Driver>> (*)(const DriverOptions& options,
                                                                  common::ProcessRunner& runner);

struct DriverEntry {
  std::string_view name;
  DriverFactory factory;
};

// Every known driver, in name order.
std::span<const DriverEntry> KnownDrivers();

// Errors: INVALID_ARGUMENT for an unknown name (the message lists the known
// ones) or options the driver's factory rejects.
[[nodiscard]] absl::StatusOr<std::unique_ptr<Driver>> CreateDriver(const std::string& driver_name,
                                                                   const DriverOptions& options,
                                                                   common::ProcessRunner& runner);

}  // namespace benchd::agent
