#pragma once

// A fake `CoordinatorService` for the CLI's tests: a real gRPC server on a
// loopback port whose service answers from canned data, so commands run end
// to end through the real client, channel and status mapping.
//
// Thread-safety: the setters may be called while the server runs; handlers
// read the canned data under the same mutex.

#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "benchd/v1/coordinator_service.grpc.pb.h"
#include "grpcpp/server.h"

namespace benchd::cli::testing {

class FakeCoordinatorService final : public benchd::v1::CoordinatorService::Service {
 public:
  // A sweep known to GetSweep, ListSweeps, ListExperiments, QueryResults and
  // WatchSweep. Unknown ids get NOT_FOUND "sweep N not found", as the real
  // coordinator answers.
  void AddSweep(const benchd::v1::Sweep& sweep,
                std::vector<benchd::v1::Experiment> experiments = {},
                std::vector<benchd::v1::Result> results = {});
  // What SubmitSweep answers: the sweep, or `status` when it is not OK.
  void SetSubmitAnswer(const benchd::v1::Sweep& sweep, grpc::Status status = grpc::Status::OK);
  // The events WatchSweep streams for `sweep_id`, then `end` as its status.
  void SetWatchEvents(int64_t sweep_id, std::vector<benchd::v1::WatchSweepResponse> events,
                      grpc::Status end = grpc::Status::OK);
  // What one WatchSweep call for `sweep_id` streams, before those of
  // SetWatchEvents: queued sessions are used up one per call, in order (a
  // coordinator that goes away and comes back).
  void QueueWatchSession(int64_t sweep_id, std::vector<benchd::v1::WatchSweepResponse> events, grpc::Status end);
  // The agents ListAgents answers with; DrainAgent and SetDeviceEnabled
  // change them as the coordinator would (NOT_FOUND for unknown names).
  void SetAgents(std::vector<benchd::v1::Agent> agents);
  // Appends to the event log ListEvents answers from; ids must increase.
  void AddEvents(std::vector<benchd::v1::Event> events);
  // Makes every call fail with `status` (for instance UNAVAILABLE from a
  // coordinator that is shutting down).
  void FailEveryCall(grpc::Status status);
  // Makes every unary call block until `Release` (or destruction), so that a
  // client deadline expires without the test sleeping.
  void HoldCalls();
  void Release();

  std::optional<benchd::v1::SubmitSweepRequest> last_submit() const;
  std::optional<benchd::v1::SetDeviceEnabledRequest> last_set_device_enabled() const;
  // Every ListEvents request, in order.
  std::vector<benchd::v1::ListEventsRequest> events_requests() const;

  grpc::Status SubmitSweep(grpc::ServerContext* context,
                           const benchd::v1::SubmitSweepRequest* request,
                           benchd::v1::SubmitSweepResponse* response) override;
  grpc::Status GetSweep(grpc::ServerContext* context, const benchd::v1::GetSweepRequest* request,
                        benchd::v1::GetSweepResponse* response) override;
  grpc::Status ListSweeps(grpc::ServerContext* context,
                          const benchd::v1::ListSweepsRequest* request,
                          benchd::v1::ListSweepsResponse* response) override;
  grpc::Status WatchSweep(grpc::ServerContext* context,
                          const benchd::v1::WatchSweepRequest* request,
                          grpc::ServerWriter<benchd::v1::WatchSweepResponse>* writer) override;
  grpc::Status ListExperiments(grpc::ServerContext* context,
                               const benchd::v1::ListExperimentsRequest* request,
                               benchd::v1::ListExperimentsResponse* response) override;
  grpc::Status QueryResults(grpc::ServerContext* context,
                            const benchd::v1::QueryResultsRequest* request,
                            benchd::v1::QueryResultsResponse* response) override;
  grpc::Status ListAgents(grpc::ServerContext* context,
                          const benchd::v1::ListAgentsRequest* request,
                          benchd::v1::ListAgentsResponse* response) override;
  // Requeues the failed experiments; FAILED_PRECONDITION for a cancelled
  // sweep, with the real coordinator's message.
  grpc::Status RerunSweep(grpc::ServerContext* context,
                          const benchd::v1::RerunSweepRequest* request,
                          benchd::v1::RerunSweepResponse* response) override;
  // Cancels the pending experiments, counts the running ones as stopped and
  // marks the sweep cancelled.
  grpc::Status CancelSweep(grpc::ServerContext* context,
                           const benchd::v1::CancelSweepRequest* request,
                           benchd::v1::CancelSweepResponse* response) override;
  // Active runs are the agent's devices with a current run.
  grpc::Status DrainAgent(grpc::ServerContext* context,
                          const benchd::v1::DrainAgentRequest* request,
                          benchd::v1::DrainAgentResponse* response) override;
  grpc::Status SetDeviceEnabled(grpc::ServerContext* context,
                                const benchd::v1::SetDeviceEnabledRequest* request,
                                benchd::v1::SetDeviceEnabledResponse* response) override;
  // Filters as the coordinator does: exact matches, ids above `after_id`,
  // the newest `limit` (0: 100) oldest first; INVALID_ARGUMENT over 10000.
  grpc::Status ListEvents(grpc::ServerContext* context,
                          const benchd::v1::ListEventsRequest* request,
                          benchd::v1::ListEventsResponse* response) override;

 private:
  struct SweepData {
    benchd::v1::Sweep sweep;
    std::vector<benchd::v1::Experiment> experiments;
    std::vector<benchd::v1::Result> results;
    std::vector<benchd::v1::WatchSweepResponse> events;
    grpc::Status watch_end;
    std::deque<std::pair<std::vector<benchd::v1::WatchSweepResponse>, grpc::Status>> watch_sessions;
  };

  // Waits while calls are held; returns the forced failure, or OK.
  grpc::Status Enter(std::unique_lock<std::mutex>& lock);
  // Finds the sweep or returns NOT_FOUND.
  grpc::Status Find(int64_t sweep_id, const SweepData** data) const;
  grpc::Status Find(int64_t sweep_id, SweepData** data);

  mutable std::mutex mu_;
  std::condition_variable released_;
  bool holding_ = false;
  std::optional<grpc::Status> fail_every_call_;
  std::map<int64_t, SweepData> sweeps_;
  benchd::v1::Sweep submit_sweep_;
  grpc::Status submit_status_;
  std::optional<benchd::v1::SubmitSweepRequest> last_submit_;
  std::vector<benchd::v1::Agent> agents_;
  std::optional<benchd::v1::SetDeviceEnabledRequest> last_set_device_enabled_;
  std::vector<benchd::v1::Event> events_;
  std::vector<benchd::v1::ListEventsRequest> events_requests_;
};

// Serves a `FakeCoordinatorService` on 127.0.0.1 at a port the kernel picks.
class FakeCoordinatorServer {
 public:
  FakeCoordinatorServer();
  ~FakeCoordinatorServer();

  FakeCoordinatorService& service() { return service_; }
  // "127.0.0.1:PORT".
  const std::string& address() const { return address_; }

 private:
  FakeCoordinatorService service_;
  std::unique_ptr<grpc::Server> server_;
  std::string address_;
};

// "127.0.0.1:PORT" for a port that nothing listens on: bound by the kernel's
// choice, then closed. Another process could take it in between, which on a
// test machine is too unlikely to plan for.
std::string DeadAddress();

}  // namespace benchd::cli::testing
