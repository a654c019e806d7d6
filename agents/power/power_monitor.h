#pragma once

// The agent's entry point to power measurement for one device: builds one
// sampler per configured source (rails are discovered here, so a wrong rail
// name fails before any run), starts and stops them together, and collects
// their samples in one bounded buffer that the agent drains in batches. A
// run's phases are kept by its RunPowerSession (agents/core/run_power.h), on
// the same clock as the samples.
//
//   MonotonicClock clock;
//   auto monitor = PowerMonitor::Create(device.power, clock, {});
//   monitor->Start();  <run>  monitor->Stop();
//   PowerTrace trace;  trace.Add(monitor->Drain());
//   EnergyPerInference(*trace.Rail(*monitor->FindRail("VDD_IN")), phases, n);
//
// Ownership: borrows the clock, which must outlive the monitor.
// Thread-safety: `Create`, `Start`, `Stop` and the destructor from one thread;
// `Drain`, `stats` and the rail lookups from any.

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "agents/power/energy.h"
#include "agents/power/power_config.h"
#include "agents/power/power_sample.h"
#include "agents/power/sampler.h"
#include "agents/power/sampling_clock.h"

namespace benchd::agent::power {

struct PowerMonitorOptions {
  // Put in front of every sysfs path (tests point it at a fake tree); empty:
  // the real filesystem. Serial ports and commands are not affected.
  std::string fs_root;
  // Samples held between two drains; 4 rails at 1 kHz fill 2^20 in ~4 min.
  size_t buffer_capacity = size_t{1} << 20;
};

class PowerMonitor {
 public:
  // Errors: those of rail discovery (NOT_FOUND for a missing rail with the
  // ones found, FAILED_PRECONDITION when a source has no rails, UNAVAILABLE
  // for an unreadable counter) and INVALID_ARGUMENT for a bad parser name,
  // each prefixed with the source ("power source 2 (rapl): ...").
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<PowerMonitor>> Create(
      const std::vector<PowerSourceConfig>& sources, SamplingClock& clock, const PowerMonitorOptions& options);
  ~PowerMonitor();

  // Starts every sampler; when one fails to start (a command not found, a
  // port that cannot be opened) the others are stopped again.
  [[nodiscard]] absl::Status Start();
  // Stops and joins every sampler. Idempotent.
  void Stop();

  // All samples since the previous drain, oldest first per rail.
  std::vector<PowerSample> Drain() { return buffer_.Drain(); }
  uint64_t dropped_samples() const { return buffer_.dropped(); }
  // Waits until `count` samples are buffered (tests, and agents that drain on
  // demand); false on timeout.
  bool WaitForSamples(size_t count, std::chrono::milliseconds timeout) { return buffer_.WaitForSize(count, timeout); }

  const RailRegistry& rails() const { return registry_; }
  // The id of the rail called `name`, once a sample or discovery registered it.
  std::optional<uint32_t> FindRail(const std::string& name) const;

  // Per sampler: its name and figures.
  std::vector<std::pair<std::string, SamplerStats>> stats() const;

 private:
  explicit PowerMonitor(size_t capacity) : buffer_(capacity) {}

  RailRegistry registry_;
  SampleBuffer buffer_;
  std::vector<std::unique_ptr<Sampler>> samplers_;
};

}  // namespace benchd::agent::power
