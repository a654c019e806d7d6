#pragma once

// The Agent gRPC service: one Attach stream per connected agent. The handler
// thread reads the agent's messages in order and stores each report before
// acknowledging it, so an ack always means "committed in PostgreSQL".
// A database error ends the stream with UNAVAILABLE: the agent reconnects and
// replays what was not acknowledged.

#include <chrono>

#include "benchd/v1/agent_service.grpc.pb.h"
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
  // Handles the messages that arrived together; reports in one transaction.
  // Returns an error only when the store failed or the agent broke protocol.
  absl::Status HandleBatch(const std::shared_ptr<AgentSession>& session,
                           const std::vector<benchd::v1::AgentMessage>& batch);
  absl::Status HandleReports(const std::shared_ptr<AgentSession>& session,
                             const std::vector<benchd::v1::Report>& reports);
  // Acks a stored report and frees its device when the run is over.
  void AfterIngest(AgentSession& session, const benchd::v1::Report& report, const IngestResult& ingested);
  // Renews the leases and answers with LeaseRenewed.
  absl::Status HandleHeartbeat(AgentSession& session, const benchd::v1::Heartbeat& heartbeat);
  absl::Status HandleHealthResult(AgentSession& session, const benchd::v1::HealthResult& result);

  Store& store_;
  AgentRegistry& agents_;
  Scheduler& scheduler_;
  SweepEvents& events_;
  const std::chrono::milliseconds heartbeat_interval_;
  const std::chrono::milliseconds lease_;
};

}  // namespace benchd::daemon
