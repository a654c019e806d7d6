#include "daemon/core/agent_session.h"

#include <pthread.h>
#include <spdlog/spdlog.h>

namespace benchd::daemon {

AgentSession::AgentSession(const benchd::v1::Hello& hello, grpc::ServerContext* context, AgentStream* stream)
    : agent_name_(hello.agent_name()), context_(context), stream_(stream) {
  for (const auto& device : hello.devices()) {
    DeviceView& view = devices_[device.name()].view;
    view.platform = device.platform();
    view.labels.insert(device.labels().begin(), device.labels().end());
    view.config_key = device.config_key();
  }
  for (const auto& run : hello.active_runs()) {
    if (run.executing() && devices_.count(run.device())) devices_[run.device()].run_id = run.run_id();
  }
  writer_ = std::thread([this] { WriteLoop(); });
}

AgentSession::~AgentSession() { Close(); }

void AgentSession::Send(benchd::v1::CoordinatorMessage message) {
  {
    std::lock_guard lock(mutex_);
    if (closing_) return;
    outbound_.push_back(std::move(message));
  }
  queued_.notify_one();
}

void AgentSession::Close() {
  {
    std::lock_guard lock(mutex_);
    closing_ = true;
  }
  queued_.notify_one();
  if (writer_.joinable()) writer_.join();
}

void AgentSession::Cancel() { context_->TryCancel(); }

void AgentSession::WriteLoop() {
  ::pthread_setname_np(::pthread_self(), "benchd-writer");
  std::unique_lock lock(mutex_);
  while (true) {
    queued_.wait(lock, [&] { return closing_ || !outbound_.empty(); });
    if (outbound_.empty()) return;
    benchd::v1::CoordinatorMessage message = std::move(outbound_.front());
    outbound_.pop_front();
    // No buffer hint, even with more queued. Seen under load: the welcome,
    // written hinted because the first assignments were already queued
    // behind it, reached the agent only 20 s later, with the keepalive ping
    // that flushed the connection (the agent, waiting for it, sent nothing
    // that would have), and the runs assigned with it had lost their
    // leases. Coalescing saved nothing measurable (benchd-dispatch-bench).
    lock.unlock();
    const bool written = stream_->Write(message);
    lock.lock();
    if (!written) {
      // The stream is gone; end the handler's Read so the session unwinds.
      spdlog::warn("agent={}: write to agent failed; closing the session", agent_name_);
      outbound_.clear();
      closing_ = true;
      context_->TryCancel();
      return;
    }
  }
}

std::vector<AgentSession::IdleDevice> AgentSession::IdleDevices() const {
  std::lock_guard lock(mutex_);
  std::vector<IdleDevice> idle;
  if (closing_) return idle;
  for (const auto& [name, state] : devices_) {
    if (!state.run_id) idle.push_back({{agent_name_, name, state.view.platform}, state.view});
  }
  return idle;
}

bool AgentSession::MarkBusy(const std::string& device, int64_t run_id, const std::string& config_key) {
  std::lock_guard lock(mutex_);
  auto it = devices_.find(device);
  if (it == devices_.end() || it->second.run_id) return false;
  it->second.run_id = run_id;
  it->second.view.config_key = config_key;
  return true;
}

bool AgentSession::MarkRunDone(int64_t run_id) {
  std::lock_guard lock(mutex_);
  bool freed = false;
  for (auto& [name, state] : devices_) {
    if (state.run_id == run_id) {
      state.run_id.reset();
      freed = true;
    }
  }
  return freed;
}

std::optional<AgentSession::IdleDevice> AgentSession::DeviceRunning(int64_t run_id) const {
  std::lock_guard lock(mutex_);
  for (const auto& [name, state] : devices_) {
    if (state.run_id == run_id) return IdleDevice{{agent_name_, name, state.view.platform}, state.view};
  }
  return std::nullopt;
}

bool AgentSession::HandOver(int64_t finished_run_id, int64_t next_run_id, const std::string& config_key) {
  std::lock_guard lock(mutex_);
  if (closing_) return false;
  for (auto& [name, state] : devices_) {
    if (state.run_id != finished_run_id) continue;
    state.run_id = next_run_id;
    state.view.config_key = config_key;
    return true;
  }
  return false;
}

bool AgentSession::HasDevice(const std::string& device) const {
  std::lock_guard lock(mutex_);
  return devices_.count(device) != 0;
}

}  // namespace benchd::daemon
