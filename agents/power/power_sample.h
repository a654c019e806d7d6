#pragma once

// What every power sampler produces: one reading of one rail at one instant
// on the agent's monotonic clock, and the two shared places samples go
// through: the rail name table and a bounded buffer drained in batches.
//
// Thread-safety: `RailRegistry` and `SampleBuffer` are safe to use from any
// number of threads; `PowerSample` is a plain value.

#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdint>
#include <limits>
#include <mutex>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

namespace benchd::agent::power {

struct PowerSample {
  uint32_t rail = 0;  // id from the monitor's RailRegistry
  int64_t t_ns = 0;   // CLOCK_MONOTONIC (std::chrono::steady_clock) nanoseconds
  double watts = 0;
  // Energy in joules accumulated by the source's counter since the sampler's
  // first reading, wrap-arounds undone; NaN when the source has no counter.
  double energy_j = std::numeric_limits<double>::quiet_NaN();

};

// Rail names to small ids, so a sample carries no string. Ids are dense and
// never reused; names are "<source name>/<rail>" or the bare rail name when
// the source has no name.
class RailRegistry {
 public:
  // The id of `name`, registering it on first use.
  uint32_t Intern(const std::string& name);
  // The name of `id`; an empty string for an unknown id.
  std::string Name(uint32_t id) const;
  std::vector<std::string> Names() const;

 private:
  mutable std::mutex mu_;
  std::vector<std::string> names_;
  std::unordered_map<std::string, uint32_t> ids_;
};

// A bounded first-in first-out buffer between the sampler threads and the
// agent. When full, new samples are dropped and counted (the oldest are kept
// so a trace has no holes in its middle); `dropped()` tells the agent to
// drain more often or to raise the capacity.
class SampleBuffer {
 public:
  explicit SampleBuffer(size_t capacity) : capacity_(capacity) {}

  void Push(std::span<const PowerSample> samples);
  // Everything buffered so far, oldest first; the buffer is empty afterwards.
  std::vector<PowerSample> Drain();
  // Blocks until at least `count` samples are buffered or `timeout` passes;
  // returns whether they are. For tests and for agents that drain on demand.
  bool WaitForSize(size_t count, std::chrono::milliseconds timeout);
  uint64_t dropped() const;

 private:
  const size_t capacity_;
  mutable std::mutex mu_;
  std::condition_variable grown_;
  std::vector<PowerSample> samples_;
  uint64_t dropped_ = 0;
};

}  // namespace benchd::agent::power
