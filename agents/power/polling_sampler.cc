#include "agents/power/polling_sampler.h"

#include <algorithm>
#include <cmath>

namespace benchd::agent::power {

PollingSampler::PollingSampler(std::string name, std::unique_ptr<PolledSource> source, double rate_hz,
                               std::string rail_prefix, SamplingClock& clock, RailRegistry& registry,
                               SampleBuffer& buffer)
    : Sampler(std::move(name)),
      source_(std::move(source)),
      period_ns_(std::max<int64_t>(1, std::llround(1e9 / rate_hz))),
      clock_(clock),
      buffer_(buffer) {
  for (const std::string& rail : source_->rails()) rail_ids_.push_back(registry.Intern(rail_prefix + rail));
}

PollingSampler::~PollingSampler() { Stop(); }

void PollingSampler::PollOnce(std::vector<RailValue>& values, std::vector<PowerSample>& samples) {
  const int64_t t_ns = clock_.NowNs();
  const absl::Status status = source_->Poll(t_ns, values);
  if (!status.ok()) RecordError(status);
  if (values.empty()) return;
  samples.clear();
  for (const RailValue& value : values) {
    samples.push_back(PowerSample{rail_ids_[value.rail], t_ns, value.watts, value.energy_j});
  }
  buffer_.Push(samples);
  CountReading();
}

void PollingSampler::Run(std::stop_token stop) {
  std::vector<RailValue> values;
  std::vector<PowerSample> samples;
  values.reserve(rail_ids_.size());
  samples.reserve(rail_ids_.size());
  int64_t deadline = clock_.NowNs();
  while (true) {
    PollOnce(values, samples);
    deadline += period_ns_;
    const int64_t now = clock_.NowNs();
    if (now >= deadline) {
      const int64_t missed = (now - deadline) / period_ns_ + 1;
      CountMissed(static_cast<uint64_t>(missed));
      deadline += missed * period_ns_;
    }
    if (!clock_.WaitUntil(deadline, stop)) break;
  }
  PollOnce(values, samples);
}

}  // namespace benchd::agent::power
