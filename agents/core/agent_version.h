#pragma once

// The agent's version, as it introduces itself to the coordinator and as
// every run's environment records it.

namespace benchd::agent {

inline constexpr char kAgentVersion[] = "benchd-agent 0.1.0";

}  // namespace benchd::agent
