#include "daemon/core/agent_registry.h"

namespace benchd::daemon {

void AgentRegistry::Add(std::shared_ptr<AgentSession> session) {
  std::shared_ptr<AgentSession> replaced;
  {
    std::lock_guard lock(mutex_);
    auto& slot = sessions_[session->agent_name()];
    replaced = std::move(slot);
    slot = std::move(session);
  }
  if (replaced) replaced->Cancel();
}

void AgentRegistry::Remove(const std::shared_ptr<AgentSession>& session) {
  std::lock_guard lock(mutex_);
  auto it = sessions_.find(session->agent_name());
  if (it != sessions_.end() && it->second == session) sessions_.erase(it);
}

std::vector<std::shared_ptr<AgentSession>> AgentRegistry::Snapshot() const {
  std::lock_guard lock(mutex_);
  std::vector<std::shared_ptr<AgentSession>> sessions;
  for (const auto& [name, session] : sessions_) sessions.push_back(session);
  return sessions;
}

void AgentRegistry::CancelAll() {
  for (const auto& session : Snapshot()) session->Cancel();
}

std::shared_ptr<AgentSession> AgentRegistry::Find(const std::string& agent_name) const {
  std::lock_guard lock(mutex_);
  auto it = sessions_.find(agent_name);
  return it == sessions_.end() ? nullptr : it->second;
}

}  // namespace benchd::daemon
