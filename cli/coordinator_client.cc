#include "cli/coordinator_client.h"

#include <algorithm>
#include <iterator>
#include <utility>

#include "cli/output/format.h"
#include "common/status_util.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"

namespace benchd::cli {

namespace v1 = benchd::v1;

std::unique_ptr<CoordinatorClient> CoordinatorClient::Connect(
    const CoordinatorClientOptions& options) {
  std::shared_ptr<grpc::Channel> channel =
      grpc::CreateChannel(options.address, grpc::InsecureChannelCredentials());
  return std::make_unique<CoordinatorClient>(v1::CoordinatorService::NewStub(channel), options,
                                             channel);
}

CoordinatorClient::CoordinatorClient(std::unique_ptr<v1::CoordinatorService::StubInterface> stub,
                                     CoordinatorClientOptions options,
                                     std::shared_ptr<grpc::ChannelInterface> channel)
    : stub_(std::move(stub)), options_(std::move(options)), channel_(std::move(channel)) {}

template <typename Response, typename Call>
absl::StatusOr<Response> CoordinatorClient::Unary(const Call& call) const {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + options_.call_timeout);
  Response response;
  grpc::Status status = call(&context, &response);
  if (!status.ok()) return TranslateError(status);
  return response;
}

absl::Status CoordinatorClient::TranslateError(const grpc::Status& status) const {
  switch (status.error_code()) {
    case grpc::StatusCode::UNAVAILABLE: {
      // A connected channel means the coordinator itself answered UNAVAILABLE
      // (shutting down, database gone); its reason is then worth showing.
      const bool connected = channel_ != nullptr && channel_->GetState(false) == GRPC_CHANNEL_READY;
      if (connected) {
        return absl::UnavailableError("coordinator at " + options_.address +
                                      " is unavailable: " + status.error_message());
      }
      return absl::UnavailableError("coordinator at " + options_.address +
                                    " is not reachable (is benchd running?)");
    }
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return absl::DeadlineExceededError(
          "coordinator at " + options_.address + " did not answer within " +
          FormatDuration(options_.call_timeout.count()) + " (see --timeout)");
    default:
      return common::FromGrpcStatus(status);
  }
}

absl::StatusOr<v1::SubmitSweepResponse> CoordinatorClient::SubmitSweep(
    const v1::SubmitSweepRequest& request) const {
  return Unary<v1::SubmitSweepResponse>([&](grpc::ClientContext* context, auto* out) {
    return stub_->SubmitSweep(context, request, out);
  });
}

absl::StatusOr<v1::Sweep> CoordinatorClient::SubmitSweep(const std::string& yaml,
                                                         const std::string& file_name) const {
  v1::SubmitSweepRequest request;
  request.set_yaml(yaml);
  request.set_file_name(file_name);
  BENCHD_ASSIGN_OR_RETURN(v1::SubmitSweepResponse response, SubmitSweep(request));
  return std::move(*response.mutable_sweep());
}

absl::StatusOr<int64_t> CoordinatorClient::RerunSweep(int64_t sweep_id) const {
  v1::RerunSweepRequest request;
  request.set_sweep_id(sweep_id);
  BENCHD_ASSIGN_OR_RETURN(v1::RerunSweepResponse response,
                          Unary<v1::RerunSweepResponse>([&](grpc::ClientContext* context, auto* out) {
                            return stub_->RerunSweep(context, request, out);
                          }));
  return response.requeued();
}

absl::StatusOr<v1::Sweep> CoordinatorClient::GetSweep(int64_t sweep_id) const {
  v1::GetSweepRequest request;
  request.set_sweep_id(sweep_id);
  BENCHD_ASSIGN_OR_RETURN(v1::GetSweepResponse response,
                          Unary<v1::GetSweepResponse>([&](grpc::ClientContext* context, auto* out) {
                            return stub_->GetSweep(context, request, out);
                          }));
  return std::move(*response.mutable_sweep());
}

absl::StatusOr<std::vector<v1::Sweep>> CoordinatorClient::ListSweeps() const {
  v1::ListSweepsRequest request;
  BENCHD_ASSIGN_OR_RETURN(
      v1::ListSweepsResponse response,
      Unary<v1::ListSweepsResponse>([&](grpc::ClientContext* context, auto* out) {
        return stub_->ListSweeps(context, request, out);
      }));
  return std::vector<v1::Sweep>(response.sweeps().begin(), response.sweeps().end());
}

template <typename Response, typename Request, typename Call, typename Item>
absl::StatusOr<std::vector<Item>> CoordinatorClient::AllPages(
    Request request, const Call& call, google::protobuf::RepeatedPtrField<Item>* (Response::*items)()) const {
  std::vector<Item> all;
  request.set_page_size(kPageSize);
  do {
    BENCHD_ASSIGN_OR_RETURN(Response response, Unary<Response>([&](grpc::ClientContext* context, auto* out) {
                              return call(context, request, out);
                            }));
    std::move((response.*items)()->begin(), (response.*items)()->end(), std::back_inserter(all));
    request.set_after_experiment_id(response.next_after_experiment_id());
  } while (request.after_experiment_id() != 0);
  return all;
}

absl::StatusOr<std::vector<v1::Experiment>> CoordinatorClient::ListExperiments(
    int64_t sweep_id) const {
  v1::ListExperimentsRequest request;
  request.set_sweep_id(sweep_id);
  return AllPages(
      request,
      [&](grpc::ClientContext* context, const auto& page, auto* out) {
        return stub_->ListExperiments(context, page, out);
      },
      &v1::ListExperimentsResponse::mutable_experiments);
}

absl::StatusOr<std::vector<v1::Result>> CoordinatorClient::QueryResults(int64_t sweep_id) const {
  v1::QueryResultsRequest request;
  request.set_sweep_id(sweep_id);
  return AllPages(
      request,
      [&](grpc::ClientContext* context, const auto& page, auto* out) {
        return stub_->QueryResults(context, page, out);
      },
      &v1::QueryResultsResponse::mutable_results);
}

absl::StatusOr<std::vector<v1::Agent>> CoordinatorClient::ListAgents() const {
  v1::ListAgentsRequest request;
  BENCHD_ASSIGN_OR_RETURN(
      v1::ListAgentsResponse response,
      Unary<v1::ListAgentsResponse>([&](grpc::ClientContext* context, auto* out) {
        return stub_->ListAgents(context, request, out);
      }));
  return std::vector<v1::Agent>(response.agents().begin(), response.agents().end());
}

absl::StatusOr<v1::CancelSweepResponse> CoordinatorClient::CancelSweep(int64_t sweep_id) const {
  v1::CancelSweepRequest request;
  request.set_sweep_id(sweep_id);
  return Unary<v1::CancelSweepResponse>([&](grpc::ClientContext* context, auto* out) {
    return stub_->CancelSweep(context, request, out);
  });
}

absl::StatusOr<int64_t> CoordinatorClient::DrainAgent(const std::string& agent, bool undo) const {
  v1::DrainAgentRequest request;
  request.set_agent(agent);
  request.set_undo(undo);
  BENCHD_ASSIGN_OR_RETURN(
      v1::DrainAgentResponse response,
      Unary<v1::DrainAgentResponse>([&](grpc::ClientContext* context, auto* out) {
        return stub_->DrainAgent(context, request, out);
      }));
  return response.active_runs();
}

absl::StatusOr<v1::Device> CoordinatorClient::SetDeviceEnabled(const std::string& agent,
                                                               const std::string& device,
                                                               bool enabled) const {
  v1::SetDeviceEnabledRequest request;
  request.set_agent(agent);
  request.set_device(device);
  request.set_enabled(enabled);
  BENCHD_ASSIGN_OR_RETURN(
      v1::SetDeviceEnabledResponse response,
      Unary<v1::SetDeviceEnabledResponse>([&](grpc::ClientContext* context, auto* out) {
        return stub_->SetDeviceEnabled(context, request, out);
      }));
  return std::move(*response.mutable_device());
}

absl::StatusOr<std::vector<v1::Event>> CoordinatorClient::ListEvents(
    const v1::ListEventsRequest& request) const {
  BENCHD_ASSIGN_OR_RETURN(
      v1::ListEventsResponse response,
      Unary<v1::ListEventsResponse>([&](grpc::ClientContext* context, auto* out) {
        return stub_->ListEvents(context, request, out);
      }));
  return std::vector<v1::Event>(response.events().begin(), response.events().end());
}

absl::Status CoordinatorClient::GetRunTrace(int64_t run_id, const TraceCallback& on_chunk) const {
  v1::GetRunTraceRequest request;
  request.set_run_id(run_id);
  grpc::ClientContext context;
  std::unique_ptr<grpc::ClientReaderInterface<v1::RunTraceChunk>> reader = stub_->GetRunTrace(&context, request);
  v1::RunTraceChunk chunk;
  while (reader->Read(&chunk)) on_chunk(chunk);
  grpc::Status status = reader->Finish();
  if (!status.ok()) return TranslateError(status);
  return absl::OkStatus();
}

absl::StatusOr<v1::WatchSweepResponse> CoordinatorClient::WatchSweep(
    int64_t sweep_id, const WatchCallback& on_event) const {
  v1::WatchSweepRequest request;
  request.set_sweep_id(sweep_id);
  grpc::ClientContext context;
  std::unique_ptr<grpc::ClientReaderInterface<v1::WatchSweepResponse>> reader =
      stub_->WatchSweep(&context, request);
  v1::WatchSweepResponse event;
  v1::WatchSweepResponse last;
  bool complete = false;
  while (!complete && reader->Read(&event)) {
    on_event(event);
    complete = event.complete();
    last = event;
  }
  if (complete) {
    // The coordinator ends the stream right after the complete event; cancel
    // so that `Finish` cannot wait on a server that keeps it open. Its status
    // is then CANCELLED by our own doing and carries no news.
    context.TryCancel();
    static_cast<void>(reader->Finish());
    return last;
  }
  grpc::Status status = reader->Finish();
  if (!status.ok()) return TranslateError(status);
  return absl::InternalError("the progress stream ended before the sweep completed");
}

}  // namespace benchd::cli
