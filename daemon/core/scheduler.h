#pragma once

// Assigns pending experiments to idle devices of connected agents, one run per
// device at a time, and requeues runs whose lease expired. Claims are made in
// the store (row locks, SKIP LOCKED), so several coordinators may share one
// database. Runs on its own thread; Kick() makes it look now instead of at
// the next tick.
// Thread-safety: Kick and Stop are thread-safe.

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "daemon/core/agent_registry.h"
#include "daemon/core/sweep_events.h"
#include "daemon/store/store.h"

namespace benchd::daemon {

class Scheduler {
 public:
  struct Options {
    std::chrono::milliseconds lease{std::chrono::seconds(30)};
    std::chrono::milliseconds tick{std::chrono::seconds(1)};
  };

  Scheduler(Store& store, AgentRegistry& agents, SweepEvents& events, Options options);
  ~Scheduler();

  void Start();
  void Kick();
  void Stop();

  // One pass: expire leases, then fill idle devices. Public for tests.
  void RunOnce();

 private:
  void Loop();
  void AssignIdleDevices();

  Store& store_;
  AgentRegistry& agents_;
  SweepEvents& events_;
  const Options options_;

  std::mutex mutex_;
  std::condition_variable wake_;
  bool kicked_ = false;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace benchd::daemon
