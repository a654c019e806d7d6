#pragma once

// Facts about the machine the agent runs on, for a run's environment. Every
// driver that measures on the host (or next to it) records them.
// Thread-safety: reads files and calls uname(2); safe to call concurrently.

#include <string>

#include "benchd/v1/common.pb.h"

namespace benchd::agent {

struct HostInfo {
  std::string cpu_model;  // "model name" of /proc/cpuinfo; "unknown" when absent
  std::string hostname;
  std::string kernel;  // "Linux 6.1.0-18-amd64"
};

HostInfo ReadHostInfo();

// Adds `cpu_model`, `hostname` and `kernel` entries.
void AddHostInfo(const HostInfo& info, benchd::v1::Environment& environment);

}  // namespace benchd::agent
