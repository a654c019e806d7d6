#pragma once

// The agent's connection to the coordinator: one Attach stream, re-opened with
// jittered exponential backoff whenever it ends. After every (re)connect it
// says hello, then replays the spool, so nothing unacknowledged is lost.
// Heartbeats go out at the interval the coordinator asks for, numbered by
// `Heartbeat.seq` (one counter for the life of the link, so it also increases
// within each connection); the heartbeat thread ticks at that interval while
// disconnected too, so the agent keeps checking its leases.
//
// Threads: a link thread (connect, read) and a heartbeat thread; writes from
// any thread are serialised by `send_mutex_`. Handler callbacks run on the
// link thread (messages) or the heartbeat thread (heartbeats, ticks) and must
// not block for long: the stream is read on the link thread.

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "agents/core/spool.h"
#include "benchd/v1/agent_service.grpc.pb.h"
#include "common/backoff.h"

namespace benchd::agent {

// What the link needs from the rest of the agent.
class LinkHandler {
 public:
  virtual ~LinkHandler() = default;
  virtual benchd::v1::Hello BuildHello() = 0;
  // Called after every (re)connect, before the spool is replayed.
  virtual void OnWelcome(const benchd::v1::Welcome& welcome) = 0;
  virtual void OnAssign(const benchd::v1::Assign& assign) = 0;
  virtual void OnCancel(const benchd::v1::Cancel& cancel) = 0;
  // The coordinator will never accept reports of this run again.
  virtual void OnRejected(int64_t run_id, const std::string& reason) = 0;
  virtual void OnLeaseRenewed(const benchd::v1::LeaseRenewed& renewed) = 0;
  virtual void OnHealthCheck(const benchd::v1::HealthCheck& check) = 0;
  virtual std::vector<int64_t> ExecutingRuns() = 0;
  // Heartbeat `seq` is about to be written.
  virtual void OnHeartbeatSent(int64_t seq) = 0;
  // Every heartbeat interval, connected or not.
  virtual void OnTick() = 0;
};

class CoordinatorLink {
 public:
  struct Options {
    std::string address;
    std::chrono::milliseconds reconnect_initial{200};
    std::chrono::milliseconds reconnect_max{30000};
  };

  CoordinatorLink(Options options, Spool& spool, LinkHandler& handler);
  ~CoordinatorLink();

  void Start();
  // Ends the stream and joins the threads.
  void Stop();
  // Sends `report` now if connected; otherwise it waits in the spool for the
  // replay after the next connect.
  void Send(const benchd::v1::Report& report);
  // Sends a health result now if connected; dropped otherwise (the
  // coordinator asks again).
  void Send(const benchd::v1::HealthResult& result);
  // True once a stream is established and the spool replayed.
  bool connected() const;

 private:
  void LinkLoop();
  void HeartbeatLoop();
  // One connection's life: hello, welcome, replay, read until the stream ends.
  void RunSession();
  bool WriteLocked(const benchd::v1::AgentMessage& message);

  const Options options_;
  Spool& spool_;
  LinkHandler& handler_;
  std::unique_ptr<benchd::v1::AgentService::Stub> stub_;
  common::Backoff backoff_;

  mutable std::mutex mutex_;  // guards the fields below
  std::condition_variable wake_;
  bool stopping_ = false;
  std::chrono::milliseconds heartbeat_interval_{5000};
  // Set when a Welcome changed the interval, so the heartbeat thread restarts
  // its wait instead of finishing one of the old length.
  bool interval_changed_ = false;
  grpc::ClientContext* context_ = nullptr;

  mutable std::mutex send_mutex_;  // serialises writes; guards the fields below
  grpc::ClientReaderWriter<benchd::v1::AgentMessage, benchd::v1::CoordinatorMessage>* stream_ = nullptr;
  bool connected_ = false;
  int64_t heartbeat_seq_ = 0;

  std::thread link_thread_;
  std::thread heartbeat_thread_;
};

}  // namespace benchd::agent
