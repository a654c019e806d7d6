#pragma once

// The agents connected to this coordinator process, by name.
// Thread-safety: all methods are thread-safe.

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "daemon/core/agent_session.h"

namespace benchd::daemon {

class AgentRegistry {
 public:
  // Adds `session`; an older session of the same agent (a connection the agent
  // has abandoned) is cancelled and replaced.
  void Add(std::shared_ptr<AgentSession> session);
  // Removes `session` if it is still the registered one for its agent.
  void Remove(const std::shared_ptr<AgentSession>& session);
  std::vector<std::shared_ptr<AgentSession>> Snapshot() const;
  // The agent's session, or null when it is not connected here.
  std::shared_ptr<AgentSession> Find(const std::string& agent_name) const;
  // Cancels every session's stream (daemon shutdown).
  void CancelAll();

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::shared_ptr<AgentSession>> sessions_;
};

}  // namespace benchd::daemon
