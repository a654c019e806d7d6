// CoordinatorServiceImpl: what operators do while a campaign runs: cancel a
// sweep, drain an agent, take devices out of service, read the event log.

#include <spdlog/spdlog.h>

#include "common/status_util.h"
#include "daemon/core/coordinator_service.h"

namespace benchd::daemon {
namespace {

using common::ToGrpcStatus;

constexpr int kMaxEvents = 10000;

grpc::Status RequireName(const std::string& name, const char* what) {
  if (name.empty() || name.size() > 128) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, std::string(what) + " must be 1 to 128 characters");
  }
  return grpc::Status::OK;
}

}  // namespace

grpc::Status CoordinatorServiceImpl::CancelSweep(grpc::ServerContext*, const benchd::v1::CancelSweepRequest* request,
                                                 benchd::v1::CancelSweepResponse* response) {
  if (request->sweep_id() <= 0) return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "sweep_id must be positive");
  auto cancelled = store_.CancelSweep(request->sweep_id());
  // The store names the operation of a failure; a refusal is the answer.
  if (!cancelled.ok()) return ToGrpcStatus(cancelled.status());
  // Agents attached to another coordinator are not told; their next report
  // is rejected, which stops the run just the same.
  for (const StoppedRun& run : cancelled->stopped) {
    auto session = agents_.Find(run.agent_name);
    if (session == nullptr) continue;
    benchd::v1::CoordinatorMessage message;
    message.mutable_cancel()->set_run_id(run.run_id);
    message.mutable_cancel()->set_reason("sweep " + std::to_string(request->sweep_id()) + " was cancelled");
    session->Send(std::move(message));
  }
  response->set_cancelled_pending(cancelled->cancelled_pending);
  response->set_stopped_runs(static_cast<int64_t>(cancelled->stopped.size()));
  spdlog::info("sweep={} cancelled: {} pending experiment(s), {} run(s) stopped", request->sweep_id(),
               cancelled->cancelled_pending, cancelled->stopped.size());
  events_.Notify();
  scheduler_.WorkChanged();
  return grpc::Status::OK;
}

grpc::Status CoordinatorServiceImpl::DrainAgent(grpc::ServerContext*, const benchd::v1::DrainAgentRequest* request,
                                                benchd::v1::DrainAgentResponse* response) {
  if (auto status = RequireName(request->agent(), "agent"); !status.ok()) return status;
  auto active = store_.SetAgentDraining(request->agent(), !request->undo());
  if (!active.ok()) return ToGrpcStatus(active.status());
  response->set_active_runs(*active);
  spdlog::info("agent={} {}", request->agent(), request->undo() ? "takes work again" : "draining");
  scheduler_.WorkChanged();
  return grpc::Status::OK;
}

grpc::Status CoordinatorServiceImpl::SetDeviceEnabled(grpc::ServerContext*,
                                                      const benchd::v1::SetDeviceEnabledRequest* request,
                                                      benchd::v1::SetDeviceEnabledResponse* response) {
  if (auto status = RequireName(request->agent(), "agent"); !status.ok()) return status;
  if (auto status = RequireName(request->device(), "device"); !status.ok()) return status;
  const std::string what = (request->enabled() ? "enable device " : "disable device ") + request->agent() + "/" +
                           request->device();
  if (absl::Status set = store_.SetDeviceEnabled(request->agent(), request->device(), request->enabled()); !set.ok()) {
    return ToGrpcStatus(set);
  }
  auto agents = store_.ListAgents();
  if (!agents.ok()) return ToGrpcStatus(common::WithContext(agents.status(), what));
  for (const auto& agent : *agents) {
    if (agent.name() != request->agent()) continue;
    for (const auto& device : agent.devices()) {
      if (device.name() == request->device()) *response->mutable_device() = device;
    }
  }
  spdlog::info("{}", what);
  scheduler_.WorkChanged();
  return grpc::Status::OK;
}

grpc::Status CoordinatorServiceImpl::ListEvents(grpc::ServerContext*, const benchd::v1::ListEventsRequest* request,
                                                benchd::v1::ListEventsResponse* response) {
  if (request->limit() < 0 || request->limit() > kMaxEvents) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "limit must be between 0 (default 100) and " + std::to_string(kMaxEvents));
  }
  EventFilter filter{.sweep_id = request->sweep_id(),
                     .run_id = request->run_id(),
                     .agent = request->agent(),
                     .device = request->device(),
                     .kind = request->kind(),
                     .after_id = request->after_id(),
                     .limit = request->limit() == 0 ? 100 : request->limit()};
  auto events = store_.ListEvents(filter);
  if (!events.ok()) return ToGrpcStatus(common::WithContext(events.status(), "list events"));
  for (auto& event : *events) *response->add_events() = std::move(event);
  return grpc::Status::OK;
}

}  // namespace benchd::daemon
