#pragma once

// The Agent gRPC service: one Attach stream per connected agent. The handler
// registers the agent, then reads its messages into the agent's inbox for
// the message worker (agent_message_worker.h), which stores each report
// before acknowledging it, so an ack always means "committed in PostgreSQL".
// A database error ends the stream with UNAVAILABLE: the agent reconnects and
// replays what was not acknowledged.

#include <chrono>

#include "benchd/v1/agent_service.grpc.pb.h"
#include "daemon/core/agent_message_worker.h"
#include "daemon/core/agent_registry.h"
#include "daemon/core/scheduler.h"
#include "daemon/core/sweep_events.h"
#include "daemon/store/store.h"

namespace benchd::daemon {

class AgentServiceImpl final : public benchd::v1::AgentService::Service {
 public:
  AgentServiceImpl(Store& store, AgentRegistry& agents, Scheduler& scheduler, SweepEvents& events,
                   std::chrono::milliseconds heartbeat_interval, std::chrono::milliseconds lease);

  grpc::Status Attach(grpc::ServerContext* context,
                      grpc::ServerReaderWriter<benchd::v1::CoordinatorMessage, benchd::v1::AgentMessage>* stream)
      override;

 private:
  Store& store_;
  AgentRegistry& agents_;
  Scheduler& scheduler_;
  SweepEvents& events_;
  const std::chrono::milliseconds heartbeat_interval_;
  const std::chrono::milliseconds lease_;
  AgentMessageWorker worker_;
};

}  // namespace benchd::daemon
