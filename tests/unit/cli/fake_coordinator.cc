#include "tests/unit/cli/fake_coordinator.h"

#include <algorithm>
#include <tuple>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>
#include <utility>

#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server_builder.h"

namespace benchd::cli::testing {

namespace v1 = benchd::v1;

void FakeCoordinatorService::AddSweep(const v1::Sweep& sweep,
                                      std::vector<v1::Experiment> experiments,
                                      std::vector<v1::Result> results) {
  std::lock_guard<std::mutex> lock(mu_);
  SweepData& data = sweeps_[sweep.id()];
  data.sweep = sweep;
  data.experiments = std::move(experiments);
  data.results = std::move(results);
}

void FakeCoordinatorService::SetSubmitAnswer(const v1::Sweep& sweep, grpc::Status status) {
  std::lock_guard<std::mutex> lock(mu_);
  submit_sweep_ = sweep;
  submit_status_ = std::move(status);
}

void FakeCoordinatorService::SetWatchEvents(int64_t sweep_id,
                                            std::vector<v1::WatchSweepResponse> events,
                                            grpc::Status end) {
  std::lock_guard<std::mutex> lock(mu_);
  SweepData& data = sweeps_[sweep_id];
  data.sweep.set_id(sweep_id);
  data.events = std::move(events);
  data.watch_end = std::move(end);
}

void FakeCoordinatorService::QueueWatchSession(int64_t sweep_id, std::vector<v1::WatchSweepResponse> events,
                                               grpc::Status end) {
  std::lock_guard<std::mutex> lock(mu_);
  SweepData& data = sweeps_[sweep_id];
  data.sweep.set_id(sweep_id);
  data.watch_sessions.emplace_back(std::move(events), std::move(end));
}

void FakeCoordinatorService::SetAgents(std::vector<v1::Agent> agents) {
  std::lock_guard<std::mutex> lock(mu_);
  agents_ = std::move(agents);
}

void FakeCoordinatorService::AddEvents(std::vector<v1::Event> events) {
  std::lock_guard<std::mutex> lock(mu_);
  for (v1::Event& event : events) events_.push_back(std::move(event));
}

std::optional<v1::SetDeviceEnabledRequest> FakeCoordinatorService::last_set_device_enabled()
    const {
  std::lock_guard<std::mutex> lock(mu_);
  return last_set_device_enabled_;
}

std::vector<v1::ListEventsRequest> FakeCoordinatorService::events_requests() const {
  std::lock_guard<std::mutex> lock(mu_);
  return events_requests_;
}

void FakeCoordinatorService::FailEveryCall(grpc::Status status) {
  std::lock_guard<std::mutex> lock(mu_);
  fail_every_call_ = std::move(status);
}

void FakeCoordinatorService::HoldCalls() {
  std::lock_guard<std::mutex> lock(mu_);
  holding_ = true;
}

void FakeCoordinatorService::Release() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    holding_ = false;
  }
  released_.notify_all();
}

std::optional<v1::SubmitSweepRequest> FakeCoordinatorService::last_submit() const {
  std::lock_guard<std::mutex> lock(mu_);
  return last_submit_;
}

grpc::Status FakeCoordinatorService::Enter(std::unique_lock<std::mutex>& lock) {
  released_.wait(lock, [this] { return !holding_; });
  return fail_every_call_.value_or(grpc::Status::OK);
}

grpc::Status FakeCoordinatorService::Find(int64_t sweep_id, const SweepData** data) const {
  auto it = sweeps_.find(sweep_id);
  if (it == sweeps_.end()) {
    return grpc::Status(grpc::StatusCode::NOT_FOUND,
                        "sweep " + std::to_string(sweep_id) + " not found");
  }
  *data = &it->second;
  return grpc::Status::OK;
}

grpc::Status FakeCoordinatorService::Find(int64_t sweep_id, SweepData** data) {
  const SweepData* found = nullptr;
  grpc::Status status = std::as_const(*this).Find(sweep_id, &found);
  *data = const_cast<SweepData*>(found);
  return status;
}

grpc::Status FakeCoordinatorService::SubmitSweep(grpc::ServerContext*,
                                                 const v1::SubmitSweepRequest* request,
                                                 v1::SubmitSweepResponse* response) {
  std::unique_lock<std::mutex> lock(mu_);
  if (grpc::Status status = Enter(lock); !status.ok()) return status;
  last_submit_ = *request;
  if (!submit_status_.ok()) return submit_status_;
  *response->mutable_sweep() = submit_sweep_;
  return grpc::Status::OK;
}

grpc::Status FakeCoordinatorService::GetSweep(grpc::ServerContext*,
                                              const v1::GetSweepRequest* request,
                                              v1::GetSweepResponse* response) {
  std::unique_lock<std::mutex> lock(mu_);
  if (grpc::Status status = Enter(lock); !status.ok()) return status;
  const SweepData* data = nullptr;
  if (grpc::Status status = Find(request->sweep_id(), &data); !status.ok()) return status;
  *response->mutable_sweep() = data->sweep;
  return grpc::Status::OK;
}

grpc::Status FakeCoordinatorService::ListSweeps(grpc::ServerContext*, const v1::ListSweepsRequest*,
                                                v1::ListSweepsResponse* response) {
  std::unique_lock<std::mutex> lock(mu_);
  if (grpc::Status status = Enter(lock); !status.ok()) return status;
  for (const auto& [id, data] : sweeps_) *response->add_sweeps() = data.sweep;
  return grpc::Status::OK;
}

grpc::Status FakeCoordinatorService::WatchSweep(
    grpc::ServerContext*, const v1::WatchSweepRequest* request,
    grpc::ServerWriter<v1::WatchSweepResponse>* writer) {
  std::vector<v1::WatchSweepResponse> events;
  grpc::Status end;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (fail_every_call_.has_value()) return *fail_every_call_;
    const SweepData* data = nullptr;
    if (grpc::Status status = Find(request->sweep_id(), &data); !status.ok()) return status;
    auto& sessions = sweeps_[request->sweep_id()].watch_sessions;
    if (!sessions.empty()) {
      std::tie(events, end) = std::move(sessions.front());
      sessions.pop_front();
    } else {
      events = data->events;
      end = data->watch_end;
    }
  }
  for (const v1::WatchSweepResponse& event : events) {
    if (!writer->Write(event)) break;
  }
  return end;
}

grpc::Status FakeCoordinatorService::ListExperiments(grpc::ServerContext*,
                                                     const v1::ListExperimentsRequest* request,
                                                     v1::ListExperimentsResponse* response) {
  std::unique_lock<std::mutex> lock(mu_);
  if (grpc::Status status = Enter(lock); !status.ok()) return status;
  const SweepData* data = nullptr;
  if (grpc::Status status = Find(request->sweep_id(), &data); !status.ok()) return status;
  // Paged as benchd pages: by id, page_size at most (0: all). Tests that
  // leave ids unset get everything in the first page.
  for (const v1::Experiment& experiment : data->experiments) {
    if (request->after_experiment_id() != 0 && experiment.id() <= request->after_experiment_id()) continue;
    *response->add_experiments() = experiment;
    if (response->experiments_size() == request->page_size()) {
      response->set_next_after_experiment_id(experiment.id());
      break;
    }
  }
  return grpc::Status::OK;
}

grpc::Status FakeCoordinatorService::QueryResults(grpc::ServerContext*,
                                                  const v1::QueryResultsRequest* request,
                                                  v1::QueryResultsResponse* response) {
  std::unique_lock<std::mutex> lock(mu_);
  if (grpc::Status status = Enter(lock); !status.ok()) return status;
  const SweepData* data = nullptr;
  if (grpc::Status status = Find(request->sweep_id(), &data); !status.ok()) return status;
  for (const v1::Result& result : data->results) {
    if (request->after_experiment_id() != 0 && result.experiment_id() <= request->after_experiment_id()) continue;
    *response->add_results() = result;
    if (response->results_size() == request->page_size()) {
      response->set_next_after_experiment_id(result.experiment_id());
      break;
    }
  }
  return grpc::Status::OK;
}

grpc::Status FakeCoordinatorService::ListAgents(grpc::ServerContext*, const v1::ListAgentsRequest*,
                                                v1::ListAgentsResponse* response) {
  std::unique_lock<std::mutex> lock(mu_);
  if (grpc::Status status = Enter(lock); !status.ok()) return status;
  for (const v1::Agent& agent : agents_) *response->add_agents() = agent;
  return grpc::Status::OK;
}

grpc::Status FakeCoordinatorService::RerunSweep(grpc::ServerContext*,
                                                const v1::RerunSweepRequest* request,
                                                v1::RerunSweepResponse* response) {
  std::unique_lock<std::mutex> lock(mu_);
  if (grpc::Status status = Enter(lock); !status.ok()) return status;
  SweepData* found = nullptr;
  if (grpc::Status status = Find(request->sweep_id(), &found); !status.ok()) return status;
  SweepData& data = *found;
  if (data.sweep.cancelled()) {
    const std::string id = std::to_string(request->sweep_id());
    return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                        "sweep " + id + " was cancelled; submit its file again with --resume " + id +
                            " to run what is missing");
  }
  int64_t requeued = 0;
  for (v1::Experiment& experiment : data.experiments) {
    if (experiment.state() != v1::EXPERIMENT_STATE_FAILED) continue;
    experiment.set_state(v1::EXPERIMENT_STATE_PENDING);
    ++requeued;
  }
  response->set_requeued(requeued);
  return grpc::Status::OK;
}

grpc::Status FakeCoordinatorService::CancelSweep(grpc::ServerContext*,
                                                 const v1::CancelSweepRequest* request,
                                                 v1::CancelSweepResponse* response) {
  std::unique_lock<std::mutex> lock(mu_);
  if (grpc::Status status = Enter(lock); !status.ok()) return status;
  SweepData* found = nullptr;
  if (grpc::Status status = Find(request->sweep_id(), &found); !status.ok()) return status;
  SweepData& data = *found;
  const bool active = std::any_of(data.experiments.begin(), data.experiments.end(), [](const v1::Experiment& e) {
    return e.state() == v1::EXPERIMENT_STATE_PENDING || e.state() == v1::EXPERIMENT_STATE_RUNNING;
  });
  if (!active && !data.sweep.cancelled()) {
    return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                        "sweep " + std::to_string(request->sweep_id()) +
                            " has finished: nothing is pending or running to cancel");
  }
  for (v1::Experiment& experiment : data.experiments) {
    if (experiment.state() == v1::EXPERIMENT_STATE_PENDING) {
      response->set_cancelled_pending(response->cancelled_pending() + 1);
    } else if (experiment.state() == v1::EXPERIMENT_STATE_RUNNING) {
      response->set_stopped_runs(response->stopped_runs() + 1);
    } else {
      continue;
    }
    experiment.set_state(v1::EXPERIMENT_STATE_CANCELLED);
  }
  data.sweep.set_cancelled(true);
  return grpc::Status::OK;
}

grpc::Status FakeCoordinatorService::DrainAgent(grpc::ServerContext*,
                                                const v1::DrainAgentRequest* request,
                                                v1::DrainAgentResponse* response) {
  std::unique_lock<std::mutex> lock(mu_);
  if (grpc::Status status = Enter(lock); !status.ok()) return status;
  for (v1::Agent& agent : agents_) {
    if (agent.name() != request->agent()) continue;
    agent.set_draining(!request->undo());
    for (const v1::Device& device : agent.devices()) {
      if (device.current_run_id() != 0) response->set_active_runs(response->active_runs() + 1);
    }
    return grpc::Status::OK;
  }
  return grpc::Status(grpc::StatusCode::NOT_FOUND, "agent " + request->agent() + " not found");
}

grpc::Status FakeCoordinatorService::SetDeviceEnabled(grpc::ServerContext*,
                                                      const v1::SetDeviceEnabledRequest* request,
                                                      v1::SetDeviceEnabledResponse* response) {
  std::unique_lock<std::mutex> lock(mu_);
  if (grpc::Status status = Enter(lock); !status.ok()) return status;
  last_set_device_enabled_ = *request;
  for (v1::Agent& agent : agents_) {
    if (agent.name() != request->agent()) continue;
    for (v1::Device& device : *agent.mutable_devices()) {
      if (device.name() != request->device()) continue;
      device.set_enabled(request->enabled());
      if (request->enabled()) {
        device.set_quarantined(false);
        device.set_quarantine_reason("");
        device.set_consecutive_failures(0);
      }
      device.set_state(device.current_run_id() != 0 ? "busy"
                       : request->enabled()         ? "idle"
                                                    : "disabled");
      *response->mutable_device() = device;
      return grpc::Status::OK;
    }
  }
  return grpc::Status(grpc::StatusCode::NOT_FOUND, "no such agent or device");
}

grpc::Status FakeCoordinatorService::ListEvents(grpc::ServerContext*,
                                                const v1::ListEventsRequest* request,
                                                v1::ListEventsResponse* response) {
  std::unique_lock<std::mutex> lock(mu_);
  if (grpc::Status status = Enter(lock); !status.ok()) return status;
  events_requests_.push_back(*request);
  if (request->limit() < 0 || request->limit() > 10000) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "limit must be between 0 (default 100) and 10000");
  }
  std::vector<const v1::Event*> matching;
  for (const v1::Event& event : events_) {
    if (event.id() <= request->after_id()) continue;
    if (request->sweep_id() != 0 && event.sweep_id() != request->sweep_id()) continue;
    if (request->run_id() != 0 && event.run_id() != request->run_id()) continue;
    if (!request->agent().empty() && event.agent() != request->agent()) continue;
    if (!request->device().empty() && event.device() != request->device()) continue;
    if (!request->kind().empty() && event.kind() != request->kind()) continue;
    matching.push_back(&event);
  }
  const size_t limit = request->limit() == 0 ? 100 : static_cast<size_t>(request->limit());
  const size_t first = matching.size() > limit ? matching.size() - limit : 0;
  for (size_t i = first; i < matching.size(); ++i) *response->add_events() = *matching[i];
  return grpc::Status::OK;
}

FakeCoordinatorServer::FakeCoordinatorServer() {
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service_);
  server_ = builder.BuildAndStart();
  if (server_ == nullptr || port == 0) throw std::runtime_error("fake coordinator did not start");
  address_ = "127.0.0.1:" + std::to_string(port);
}

FakeCoordinatorServer::~FakeCoordinatorServer() {
  service_.Release();
  server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
}

std::string DeadAddress() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("socket() failed");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof(address);
  const bool bound = bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
                     getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0;
  close(fd);
  if (!bound) throw std::runtime_error("cannot bind a loopback port");
  return "127.0.0.1:" + std::to_string(ntohs(address.sin_port));
}

}  // namespace benchd::cli::testing
