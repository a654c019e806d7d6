#pragma once

// The one thread that handles what agents send. Each Attach handler only
// reads its stream into the agent's inbox; this worker takes the inboxes of
// every agent that sent something, stores all their reports in one
// transaction (acknowledging each after the commit, so an ack always means
// "committed in PostgreSQL"), renews leases on heartbeats and records health
// check results, each agent's messages in the order they came.
//
// One thread instead of one per stream: on a small machine the thread
// switches cost more than the database work (benchd-dispatch-bench, README).
// A database error ends that agent's stream (its handler returns the error;
// the agent reconnects and replays what was not acknowledged); other agents
// go on.
//
// Thread-safety: Schedule and Stop are thread-safe.

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "daemon/core/agent_inbox.h"
#include "daemon/core/agent_session.h"
#include "daemon/core/scheduler.h"
#include "daemon/core/sweep_events.h"
#include "daemon/store/store.h"

namespace benchd::daemon {

// One agent's stream as the worker sees it.
struct AgentConnection {
  AgentConnection(std::shared_ptr<AgentSession> session, size_t inbox_capacity)
      : session(std::move(session)), inbox(inbox_capacity) {}
  const std::shared_ptr<AgentSession> session;
  AgentInbox inbox;
};

class AgentMessageWorker {
 public:
  AgentMessageWorker(Store& store, Scheduler& scheduler, SweepEvents& events, std::chrono::milliseconds lease);
  ~AgentMessageWorker();
  AgentMessageWorker(const AgentMessageWorker&) = delete;
  AgentMessageWorker& operator=(const AgentMessageWorker&) = delete;

  // The connection's inbox has messages (its Push returned kFirst).
  void Schedule(std::shared_ptr<AgentConnection> connection);
  // Handles what is scheduled, then ends the thread.
  void Stop();

 private:
  // One agent's messages taken for a unit, and how far they are handled.
  struct Taken;

  void Loop();
  void HandleUnit(const std::vector<std::shared_ptr<AgentConnection>>& connections);
  // The reports each agent sent before its next other message, in one store
  // call.
  void StoreReports(std::vector<Taken>& taken);
  void HandleOther(Taken& agent, const benchd::v1::AgentMessage& message);
  // Acks a stored report and frees its device when the run is over (unless
  // `handed_over`: its next run was claimed with it).
  void AfterIngest(const std::shared_ptr<AgentSession>& session, const benchd::v1::Report& report,
                   const IngestResult& ingested, bool handed_over);
  // Renews the leases and answers with LeaseRenewed.
  absl::Status HandleHeartbeat(AgentSession& session, const benchd::v1::Heartbeat& heartbeat);
  absl::Status HandleHealthResult(AgentSession& session, const benchd::v1::HealthResult& result);

  Store& store_;
  Scheduler& scheduler_;
  SweepEvents& events_;
  const std::chrono::milliseconds lease_;

  std::mutex mutex_;
  std::condition_variable scheduled_;
  std::vector<std::shared_ptr<AgentConnection>> ready_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace benchd::daemon
