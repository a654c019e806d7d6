#include "agents/power/sampler.h"

#include <pthread.h>

#include <exception>

#include "common/status_util.h"
#include "spdlog/spdlog.h"

namespace benchd::agent::power {

absl::Status Sampler::Start() {
  if (thread_.joinable()) return absl::FailedPreconditionError("power sampler '" + name_ + "': already started");
  BENCHD_RETURN_IF_ERROR(BeforeStart());
  running_ = true;
  thread_ = std::jthread([this](std::stop_token stop) { Body(stop); });
  return absl::OkStatus();
}

void Sampler::Stop() {
  if (!thread_.joinable()) return;
  thread_.request_stop();
  thread_.join();
  thread_ = std::jthread();
}

SamplerStats Sampler::stats() const {
  SamplerStats stats;
  stats.running = running_.load();
  stats.readings = readings_.load(std::memory_order_relaxed);
  stats.missed_deadlines = missed_.load(std::memory_order_relaxed);
  std::lock_guard lock(mu_);
  stats.errors = errors_;
  stats.last_error = last_error_;
  return stats;
}

void Sampler::RecordError(const absl::Status& status) {
  std::string message(status.message());
  std::lock_guard lock(mu_);
  // Log the first error and every change of error, not each of a thousand
  // identical failures per second.
  if (last_error_ != message) spdlog::warn("power sampler '{}': {}", name_, message);
  ++errors_;
  last_error_ = std::move(message);
}

void Sampler::Body(std::stop_token stop) {
  // "power:<name>" in top and gdb; Linux caps thread names at 15 characters.
  ::pthread_setname_np(::pthread_self(), ("power:" + name_).substr(0, 15).c_str());
  // A thread entry point: nothing may escape it.
  try {
    Run(stop);
  } catch (const std::exception& e) {
    RecordError(absl::InternalError(std::string("sampler thread: ") + e.what()));
  }
  running_ = false;
}

}  // namespace benchd::agent::power
