#pragma once

// Runs a `PolledSource` at a fixed rate on its own thread. Polls are on an
// absolute grid (t0 + k * period), waited for with the injected clock, so the
// time a poll takes does not accumulate as drift; a poll that overruns one or
// more periods skips them (counted as missed deadlines) instead of bursting
// to catch up. Every sample of one poll carries the time read just before
// the poll. When stopped, the thread polls one last time, so a trace covers
// a phase marked just before `Stop()`.
//
// Ownership: borrows the clock, rail registry and buffer, which must outlive
// the sampler; owns the source.

#include <memory>
#include <string>
#include <vector>

#include "agents/power/polled_source.h"
#include "agents/power/power_sample.h"
#include "agents/power/sampler.h"
#include "agents/power/sampling_clock.h"

namespace benchd::agent::power {

class PollingSampler final : public Sampler {
 public:
  // `rail_prefix` is put in front of the source's rail names ("jetson/" ->
  // "jetson/VDD_IN"); `rate_hz` must be positive.
  PollingSampler(std::string name, std::unique_ptr<PolledSource> source, double rate_hz, std::string rail_prefix,
                 SamplingClock& clock, RailRegistry& registry, SampleBuffer& buffer);
  ~PollingSampler() override;


 protected:
  void Run(std::stop_token stop) override;

 private:
  void PollOnce(std::vector<RailValue>& values, std::vector<PowerSample>& samples);

  std::unique_ptr<PolledSource> source_;
  const int64_t period_ns_;
  SamplingClock& clock_;
  SampleBuffer& buffer_;
  std::vector<uint32_t> rail_ids_;
};

}  // namespace benchd::agent::power
