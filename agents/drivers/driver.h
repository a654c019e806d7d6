#pragma once

// A driver is the only code that knows a kind of device: how to run an
// experiment on it with its native tool and turn the tool's output into
// samples and a summary.
//
// Failure codes of `Run`: FAILED_PRECONDITION or INVALID_ARGUMENT when the
// experiment cannot be measured on this device (a precision the device does
// not support, a model that does not fit): a measurement failure, not retried.
// Anything else (UNAVAILABLE, DEADLINE_EXCEEDED, INTERNAL, ...) is an
// infrastructure failure and may be retried elsewhere.
// Thread-safety: one `Run` at a time per driver instance (one device runs one
// experiment at a time); `cancel` may be set from another thread.

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "agents/power/phase.h"
#include "benchd/v1/common.pb.h"

namespace benchd::agent {

struct RunRequest {
  int64_t run_id = 0;
  // The part of the parameters that needs the device reconfigured (power
  // mode, firmware build options, bitstream), canonical text; equal keys mean
  // no reconfiguration is needed between two runs.
  std::string config_key;
  benchd::v1::Parameters parameters;
  benchd::v1::RunSettings settings;
  // Directory for this run's artifacts and raw logs; exists and is writable.
  std::string work_dir;
  // The number of this call's first repeat: adaptive repeats call the driver
  // once per repeat, and a tool told its repeat (`{repeat}`) must see 0, 1,
  // 2, ... across the calls.
  int first_repeat = 0;
};

// Per-inference latencies of one repeat, warm-up excluded.
struct RepeatSamples {
  int repeat = 0;
  benchd::v1::LatencyKind kind = benchd::v1::LATENCY_KIND_SYSTEM;
  std::vector<double> latency_us;
  std::vector<int64_t> t_ns;  // completion time on the monotonic clock; same length, or empty
};

// A phase boundary the driver knows from the tool's own timing, on the
// agent's monotonic clock (std::chrono::steady_clock, the power samplers'
// clock).
struct PhaseMark {
  power::Phase phase = power::Phase::kMeasure;
  int64_t t_ns = 0;
};

struct RunResult {
  std::vector<RepeatSamples> repeats;
  benchd::v1::RunSummary summary;
  benchd::v1::Environment environment;
  // Each repeat's own statistics, for tools that print figures rather than
  // per-inference samples (repeats with samples get theirs from them).
  std::vector<benchd::v1::LatencyStats> repeat_stats;
  // In time order; each repeat marks its own `measure` window and closes it
  // (`cooldown` or `end`). Empty when the driver cannot tell: the agent then
  // takes the whole driver run as the measure window.
  std::vector<PhaseMark> phases;
};


class Driver {
 public:
  virtual ~Driver() = default;
  virtual const std::string& Name() const = 0;
  // Detects the device and reads tool versions; an error means the device is
  // not usable.
  [[nodiscard]] virtual absl::StatusOr<benchd::v1::Environment> Probe() = 0;
  // Parameters Prepare or Run cannot do without. The agent advertises them
  // with the device and the coordinator gives the device only experiments
  // that have every one, so an experiment no device can run is reported
  // unschedulable instead of failing on each device in turn.
  virtual std::vector<std::string> RequiredParameters() const { return {}; }
  // Brings the device into the configuration `request.config_key` names:
  // builds and flashes firmware, sets and reads back a power mode, loads a
  // bitstream. Called before the first run and whenever the key changes, never
  // between two runs with the same key. A mode that cannot be verified after
  // setting it is an error. The returned environment (mode read back, firmware
  // hash, ...) is attached to every run made in this configuration.
  [[nodiscard]] virtual absl::StatusOr<benchd::v1::Environment> Prepare(const RunRequest& request,
                                                                        const std::atomic<bool>& cancel) {
    return benchd::v1::Environment();
  }
  // What Run would refuse from the request alone, with the error Run would
  // return (a precision the device lacks, a model it does not have, a bad
  // parameter), without touching the device. The agent asks before it
  // samples the base power and reconfigures the device, so that a run that
  // cannot happen costs neither. Default: nothing to refuse up front.
  [[nodiscard]] virtual absl::Status Check(const RunRequest& request) const { return absl::OkStatus(); }
  [[nodiscard]] virtual absl::StatusOr<RunResult> Run(const RunRequest& request,
                                                      const std::atomic<bool>& cancel) = 0;
  // Restores what Prepare changed (modes, clocks) and kills leftovers; called
  // when the agent stops.
  [[nodiscard]] virtual absl::Status Teardown() { return absl::OkStatus(); }
};

// Driver options from the agent's configuration (the `options:` map of a
// device), validated by the driver's factory.
using DriverOptions = std::map<std::string, std::string>;

}  // namespace benchd::agent
