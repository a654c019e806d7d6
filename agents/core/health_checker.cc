#include "agents/core/health_checker.h"

#include <algorithm>

#include <spdlog/spdlog.h>

namespace benchd::agent {
namespace {

// The end of a text, where tools print their verdict.
std::string Tail(const std::string& text, size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  return "..." + text.substr(text.size() - max_bytes);
}

std::string OutputOf(const common::ProcessOutcome& outcome) {
  std::string output = outcome.stdout_text;
  if (!outcome.stderr_text.empty()) {
    if (!output.empty() && output.back() != '\n') output += '\n';
    output += outcome.stderr_text;
  }
  while (!output.empty() && (output.back() == '\n' || output.back() == ' ')) output.pop_back();
  return output;
}

}  // namespace

HealthChecker::HealthChecker(std::map<std::string, HealthCheckConfig> devices, common::ProcessRunner& runner,
                             Reply reply)
    : devices_(std::move(devices)), runner_(runner), reply_(std::move(reply)) {
  thread_ = std::thread([this] { Loop(); });
}

HealthChecker::~HealthChecker() { Stop(); }

void HealthChecker::Submit(const std::string& device) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    if (std::find(queue_.begin(), queue_.end(), device) != queue_.end()) return;
    queue_.push_back(device);
  }
  wake_.notify_all();
}

void HealthChecker::Stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    queue_.clear();
  }
  cancel_ = true;
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void HealthChecker::Loop() {
  std::unique_lock lock(mutex_);
  while (true) {
    wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (stopping_) return;
    const std::string device = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    const benchd::v1::HealthResult result = Check(device);
    if (result.healthy()) {
      spdlog::info("device={}: health check passed", device);
    } else {
      spdlog::warn("device={}: health check failed: {}", device, result.detail());
    }
    reply_(result);
    lock.lock();
  }
}

benchd::v1::HealthResult HealthChecker::Check(const std::string& device) {
  benchd::v1::HealthResult result;
  result.set_device(device);
  result.set_healthy(false);
  auto it = devices_.find(device);
  if (it == devices_.end()) {
    result.set_detail("no device '" + device + "' on this agent");
    return result;
  }
  const HealthCheckConfig& config = it->second;
  if (const std::optional<absl::Status> probed = config.probe ? config.probe() : std::nullopt; probed) {
    if (!probed->ok()) {
      result.set_detail("probe failed: " + probed->ToString());
      return result;
    }
    if (config.argv.empty()) {
      result.set_healthy(true);
      result.set_detail("probe passed");
      return result;
    }
  }
  if (config.argv.empty()) {
    result.set_detail("device '" + device + "' has no health_check configured");
    return result;
  }
  common::ProcessSpec spec;
  spec.argv = config.argv;
  spec.timeout = config.timeout;
  spec.max_output_bytes = 1 << 20;
  absl::StatusOr<common::ProcessOutcome> outcome = runner_.Run(spec, &cancel_);
  if (!outcome.ok()) {
    result.set_detail("health check: " + std::string(outcome.status().message()));
    return result;
  }
  const std::string output = Tail(OutputOf(*outcome), kDetailBytes);
  result.set_healthy(outcome->Succeeded());
  if (outcome->Succeeded()) {
    result.set_detail(output);
  } else {
    result.set_detail("health check: " + outcome->Describe() + (output.empty() ? "" : ": " + output));
  }
  return result;
}

}  // namespace benchd::agent
