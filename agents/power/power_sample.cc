#include "agents/power/power_sample.h"

namespace benchd::agent::power {

uint32_t RailRegistry::Intern(const std::string& name) {
  std::lock_guard lock(mu_);
  const auto [it, inserted] = ids_.try_emplace(name, static_cast<uint32_t>(names_.size()));
  if (inserted) names_.push_back(name);
  return it->second;
}

std::string RailRegistry::Name(uint32_t id) const {
  std::lock_guard lock(mu_);
  return id < names_.size() ? names_[id] : std::string();
}

std::vector<std::string> RailRegistry::Names() const {
  std::lock_guard lock(mu_);
  return names_;
}

void SampleBuffer::Push(std::span<const PowerSample> samples) {
  {
    std::lock_guard lock(mu_);
    const size_t room = capacity_ > samples_.size() ? capacity_ - samples_.size() : 0;
    const size_t taken = std::min(room, samples.size());
    samples_.insert(samples_.end(), samples.begin(), samples.begin() + static_cast<ptrdiff_t>(taken));
    dropped_ += samples.size() - taken;
  }
  grown_.notify_all();
}

std::vector<PowerSample> SampleBuffer::Drain() {
  std::lock_guard lock(mu_);
  std::vector<PowerSample> out;
  out.reserve(samples_.capacity());
  out.swap(samples_);
  return out;
}

bool SampleBuffer::WaitForSize(size_t count, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return grown_.wait_for(lock, timeout, [&] { return samples_.size() >= count; });
}

uint64_t SampleBuffer::dropped() const {
  std::lock_guard lock(mu_);
  return dropped_;
}

}  // namespace benchd::agent::power
