#pragma once

// The user-facing gRPC service: submit sweeps, follow their progress, list
// experiments and agents, query results (coordinator_service.cc); cancel
// sweeps, drain agents, enable devices, list events (operator_rpcs.cc).
// Handlers validate their request, then call the store; errors become gRPC
// statuses through ToGrpcStatus.

#include "benchd/v1/coordinator_service.grpc.pb.h"
#include "common/platform_catalog.h"
#include "daemon/core/agent_registry.h"
#include "daemon/core/scheduler.h"
#include "daemon/core/sweep_events.h"
#include "daemon/store/store.h"

namespace benchd::daemon {

class CoordinatorServiceImpl final : public benchd::v1::CoordinatorService::Service {
 public:
  CoordinatorServiceImpl(Store& store, const common::PlatformCatalog& catalog, Scheduler& scheduler,
                         SweepEvents& events, AgentRegistry& agents, size_t max_sweep_points);

  grpc::Status SubmitSweep(grpc::ServerContext*, const benchd::v1::SubmitSweepRequest*,
                           benchd::v1::SubmitSweepResponse*) override;
  grpc::Status GetSweep(grpc::ServerContext*, const benchd::v1::GetSweepRequest*,
                        benchd::v1::GetSweepResponse*) override;
  grpc::Status ListSweeps(grpc::ServerContext*, const benchd::v1::ListSweepsRequest*,
                          benchd::v1::ListSweepsResponse*) override;
  grpc::Status WatchSweep(grpc::ServerContext*, const benchd::v1::WatchSweepRequest*,
                          grpc::ServerWriter<benchd::v1::WatchSweepResponse>*) override;
  grpc::Status ListExperiments(grpc::ServerContext*, const benchd::v1::ListExperimentsRequest*,
                               benchd::v1::ListExperimentsResponse*) override;
  grpc::Status QueryResults(grpc::ServerContext*, const benchd::v1::QueryResultsRequest*,
                            benchd::v1::QueryResultsResponse*) override;
  grpc::Status GetRunTrace(grpc::ServerContext*, const benchd::v1::GetRunTraceRequest*,
                           grpc::ServerWriter<benchd::v1::RunTraceChunk>*) override;
  grpc::Status ListAgents(grpc::ServerContext*, const benchd::v1::ListAgentsRequest*,
                          benchd::v1::ListAgentsResponse*) override;
  grpc::Status RerunSweep(grpc::ServerContext*, const benchd::v1::RerunSweepRequest*,
                          benchd::v1::RerunSweepResponse*) override;
  grpc::Status CancelSweep(grpc::ServerContext*, const benchd::v1::CancelSweepRequest*,
                           benchd::v1::CancelSweepResponse*) override;
  grpc::Status DrainAgent(grpc::ServerContext*, const benchd::v1::DrainAgentRequest*,
                          benchd::v1::DrainAgentResponse*) override;
  grpc::Status SetDeviceEnabled(grpc::ServerContext*, const benchd::v1::SetDeviceEnabledRequest*,
                                benchd::v1::SetDeviceEnabledResponse*) override;
  grpc::Status ListEvents(grpc::ServerContext*, const benchd::v1::ListEventsRequest*,
                          benchd::v1::ListEventsResponse*) override;

 private:
  // The page a ListExperiments / QueryResults request asks for, after
  // checking it and (on the first page) that the sweep exists.
  absl::StatusOr<Page> PageOf(int64_t sweep_id, int64_t after_experiment_id, int32_t page_size);

  Store& store_;
  const common::PlatformCatalog& catalog_;
  Scheduler& scheduler_;
  SweepEvents& events_;
  AgentRegistry& agents_;
  const size_t max_sweep_points_;
};

}  // namespace benchd::daemon
