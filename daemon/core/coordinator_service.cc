#include "daemon/core/coordinator_service.h"

#include <spdlog/spdlog.h>

#include "common/status_util.h"
#include "daemon/core/sweep_submission.h"

namespace benchd::daemon {
namespace {

using common::ToGrpcStatus;

constexpr size_t kMaxFileNameLength = 256;

bool IsComplete(const benchd::v1::SweepProgress& progress) {
  return progress.pending() == 0 && progress.running() == 0;
}

grpc::Status RequirePositiveId(int64_t id, const char* what) {
  if (id <= 0) return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, std::string(what) + " must be positive");
  return grpc::Status::OK;
}

}  // namespace

absl::StatusOr<Page> CoordinatorServiceImpl::PageOf(int64_t sweep_id, int64_t after_experiment_id,
                                                   int32_t page_size) {
  // Larger pages could exceed the message size limit.
  constexpr int32_t kMaxPageSize = 50'000;
  if (after_experiment_id < 0) return absl::InvalidArgumentError("after_experiment_id must not be negative");
  if (page_size < 0 || page_size > kMaxPageSize) {
    return absl::InvalidArgumentError("page_size must be 0 (all) to " + std::to_string(kMaxPageSize));
  }
  // The first page answers NOT_FOUND as GetSweep words it. GetSweep also
  // computes the sweep's progress, too costly to repeat for every page; the
  // store's listing answers NOT_FOUND for later pages of an unknown sweep.
  if (after_experiment_id == 0) {
    if (auto sweep = store_.GetSweep(sweep_id); !sweep.ok()) return sweep.status();
  }
  return Page{after_experiment_id, page_size};
}

CoordinatorServiceImpl::CoordinatorServiceImpl(Store& store, const common::PlatformCatalog& catalog,
                                               Scheduler& scheduler, SweepEvents& events, AgentRegistry& agents,
                                               size_t max_sweep_points)
    : store_(store),
      catalog_(catalog),
      scheduler_(scheduler),
      events_(events),
      agents_(agents),
      max_sweep_points_(max_sweep_points) {}

grpc::Status CoordinatorServiceImpl::SubmitSweep(grpc::ServerContext*, const benchd::v1::SubmitSweepRequest* request,
                                                 benchd::v1::SubmitSweepResponse* response) {
  std::string file_name = request->file_name().empty() ? "<sweep>" : request->file_name();
  if (file_name.size() > kMaxFileNameLength) file_name.resize(kMaxFileNameLength);
  PlanOptions options;
  options.prune_invalid = request->prune_invalid();
  options.max_points = max_sweep_points_;
  if (request->resume_sweep_id() != 0) {
    if (auto status = RequirePositiveId(request->resume_sweep_id(), "resume_sweep_id"); !status.ok()) return status;
    auto measured = store_.SucceededPointKeys(request->resume_sweep_id());
    if (!measured.ok()) {
      return ToGrpcStatus(common::WithContext(measured.status(), "resume sweep " + std::to_string(request->resume_sweep_id())));
    }
    options.resumed_from = request->resume_sweep_id();
    options.measured_point_keys.insert(measured->begin(), measured->end());
  }
  auto planned = PlanSweep(request->yaml(), file_name, catalog_, options);
  if (!planned.ok()) return ToGrpcStatus(planned.status());
  auto sweep_id = store_.CreateSweep(planned->sweep);
  if (!sweep_id.ok()) return ToGrpcStatus(common::WithContext(sweep_id.status(), "store sweep"));
  auto sweep = store_.GetSweep(*sweep_id);
  if (!sweep.ok()) return ToGrpcStatus(sweep.status());
  *response->mutable_sweep() = std::move(*sweep);
  response->set_already_measured(planned->already_measured);
  for (auto& dropped : planned->dropped) response->add_dropped(std::move(dropped));
  spdlog::info("sweep={} '{}' submitted with {} experiment(s)", *sweep_id, planned->sweep.name,
               planned->sweep.experiments.size());
  events_.Notify();
  scheduler_.WorkChanged();
  return grpc::Status::OK;
}

grpc::Status CoordinatorServiceImpl::GetSweep(grpc::ServerContext*, const benchd::v1::GetSweepRequest* request,
                                              benchd::v1::GetSweepResponse* response) {
  if (auto status = RequirePositiveId(request->sweep_id(), "sweep_id"); !status.ok()) return status;
  auto sweep = store_.GetSweep(request->sweep_id());
  if (!sweep.ok()) return ToGrpcStatus(sweep.status());
  *response->mutable_sweep() = std::move(*sweep);
  return grpc::Status::OK;
}

grpc::Status CoordinatorServiceImpl::ListSweeps(grpc::ServerContext*, const benchd::v1::ListSweepsRequest*,
                                                benchd::v1::ListSweepsResponse* response) {
  auto sweeps = store_.ListSweeps();
  if (!sweeps.ok()) return ToGrpcStatus(sweeps.status());
  for (auto& sweep : *sweeps) *response->add_sweeps() = std::move(sweep);
  return grpc::Status::OK;
}

grpc::Status CoordinatorServiceImpl::WatchSweep(grpc::ServerContext* context,
                                                const benchd::v1::WatchSweepRequest* request,
                                                grpc::ServerWriter<benchd::v1::WatchSweepResponse>* writer) {
  if (auto status = RequirePositiveId(request->sweep_id(), "sweep_id"); !status.ok()) return status;
  std::string last_sent;
  // The periodic wake-up refreshes the ETA and notices a cancelled client.
  constexpr std::chrono::seconds kRefresh(1);
  while (!context->IsCancelled()) {
    const uint64_t version = events_.Version();
    const auto asked = std::chrono::steady_clock::now();
    auto progress = store_.GetProgress(request->sweep_id());
    if (!progress.ok()) return ToGrpcStatus(progress.status());
    // Counting a sweep of a million experiments takes about a second; a
    // watcher must not keep a database backend busy with it. Ask at most
    // every ten times what the last answer cost.
    const auto next_ask = asked + 10 * (std::chrono::steady_clock::now() - asked);
    benchd::v1::WatchSweepResponse event;
    *event.mutable_progress() = *progress;
    event.set_complete(IsComplete(*progress));
    std::string serialized = event.SerializeAsString();
    if (serialized != last_sent) {
      if (!writer->Write(event)) return grpc::Status::OK;
      last_sent = std::move(serialized);
    }
    if (event.complete()) return grpc::Status::OK;
    if (!events_.WaitForChange(version, kRefresh)) {
      return grpc::Status(grpc::StatusCode::UNAVAILABLE, "the coordinator is shutting down");
    }
    for (auto now = std::chrono::steady_clock::now(); now < next_ask && !context->IsCancelled();
         now = std::chrono::steady_clock::now()) {
      if (!events_.WaitForChange(events_.Version(), std::chrono::duration_cast<std::chrono::milliseconds>(
                                                        next_ask - now + std::chrono::milliseconds(1)))) {
        return grpc::Status(grpc::StatusCode::UNAVAILABLE, "the coordinator is shutting down");
      }
    }
  }
  return grpc::Status(grpc::StatusCode::CANCELLED, "watch cancelled");
}

grpc::Status CoordinatorServiceImpl::ListExperiments(grpc::ServerContext*,
                                                     const benchd::v1::ListExperimentsRequest* request,
                                                     benchd::v1::ListExperimentsResponse* response) {
  if (auto status = RequirePositiveId(request->sweep_id(), "sweep_id"); !status.ok()) return status;
  auto page = PageOf(request->sweep_id(), request->after_experiment_id(), request->page_size());
  if (!page.ok()) return ToGrpcStatus(page.status());
  auto experiments = store_.ListExperiments(request->sweep_id(), *page);
  if (!experiments.ok()) return ToGrpcStatus(experiments.status());
  if (page->limit > 0 && experiments->size() == static_cast<size_t>(page->limit)) {
    response->set_next_after_experiment_id(experiments->back().id());
  }
  for (auto& experiment : *experiments) *response->add_experiments() = std::move(experiment);
  return grpc::Status::OK;
}

grpc::Status CoordinatorServiceImpl::QueryResults(grpc::ServerContext*, const benchd::v1::QueryResultsRequest* request,
                                                  benchd::v1::QueryResultsResponse* response) {
  if (auto status = RequirePositiveId(request->sweep_id(), "sweep_id"); !status.ok()) return status;
  auto page = PageOf(request->sweep_id(), request->after_experiment_id(), request->page_size());
  if (!page.ok()) return ToGrpcStatus(page.status());
  auto results = store_.QueryResults(request->sweep_id(), *page);
  if (!results.ok()) return ToGrpcStatus(results.status());
  if (page->limit > 0 && results->size() == static_cast<size_t>(page->limit)) {
    response->set_next_after_experiment_id(results->back().experiment_id());
  }
  for (auto& result : *results) *response->add_results() = std::move(result);
  return grpc::Status::OK;
}

grpc::Status CoordinatorServiceImpl::GetRunTrace(grpc::ServerContext* context,
                                                 const benchd::v1::GetRunTraceRequest* request,
                                                 grpc::ServerWriter<benchd::v1::RunTraceChunk>* writer) {
  if (auto status = RequirePositiveId(request->run_id(), "run_id"); !status.ok()) return status;
  bool client_gone = false;
  const absl::Status read = store_.ReadRunTrace(request->run_id(), [&](benchd::v1::RunTraceChunk chunk) {
    client_gone = context->IsCancelled() || !writer->Write(chunk);
    return !client_gone;
  });
  if (!read.ok()) return ToGrpcStatus(read);
  if (client_gone) return grpc::Status(grpc::StatusCode::CANCELLED, "the client went away");
  return grpc::Status::OK;
}

grpc::Status CoordinatorServiceImpl::RerunSweep(grpc::ServerContext*, const benchd::v1::RerunSweepRequest* request,
                                                benchd::v1::RerunSweepResponse* response) {
  if (auto status = RequirePositiveId(request->sweep_id(), "sweep_id"); !status.ok()) return status;
  auto requeued = store_.RequeueFailed(request->sweep_id());
  if (!requeued.ok()) return ToGrpcStatus(requeued.status());
  response->set_requeued(*requeued);
  spdlog::info("sweep={}: {} failed experiment(s) requeued", request->sweep_id(), *requeued);
  events_.Notify();
  scheduler_.WorkChanged();
  return grpc::Status::OK;
}

grpc::Status CoordinatorServiceImpl::ListAgents(grpc::ServerContext*, const benchd::v1::ListAgentsRequest*,
                                                benchd::v1::ListAgentsResponse* response) {
  auto agents = store_.ListAgents();
  if (!agents.ok()) return ToGrpcStatus(agents.status());
  for (auto& agent : *agents) *response->add_agents() = std::move(agent);
  return grpc::Status::OK;
}

}  // namespace benchd::daemon
