#pragma once

// The CLI's one door to the coordinator: a synchronous `CoordinatorService`
// stub with a deadline on every unary call, returning `absl::Status` errors
// whose messages a user can act on ("coordinator at HOST:PORT is not
// reachable (is benchd running?)") instead of raw gRPC text.
//
// Thread-safety: the methods are const and may be called from several threads;
// the CLI calls them from one.
// Error codes: the coordinator's own codes pass through unchanged (NOT_FOUND,
// INVALID_ARGUMENT with its file:line:column message, ...). A coordinator that
// cannot be reached gives UNAVAILABLE; one that does not answer in time gives
// DEADLINE_EXCEEDED. Both messages name the address.

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "benchd/v1/coordinator_service.grpc.pb.h"
#include "grpcpp/channel.h"

namespace benchd::cli {

inline constexpr char kDefaultCoordinatorAddress[] = "127.0.0.1:7700";
inline constexpr char kCoordinatorAddressEnv[] = "BENCHD_COORDINATOR";
inline constexpr std::chrono::milliseconds kDefaultCallTimeout{10'000};

struct CoordinatorClientOptions {
  // HOST:PORT, used for the channel and named in error messages.
  std::string address = kDefaultCoordinatorAddress;
  // The deadline of each unary call; streams have none (see `WatchSweep`).
  std::chrono::milliseconds call_timeout = kDefaultCallTimeout;
};

class CoordinatorClient {
 public:
  // Opens an insecure channel to `options.address`. Connecting is lazy: an
  // address with nothing behind it fails on the first call, not here.
  static std::unique_ptr<CoordinatorClient> Connect(const CoordinatorClientOptions& options);

  // `channel` may be null. When given, it tells a coordinator that cannot be
  // reached apart from one that answered UNAVAILABLE itself (for instance
  // while shutting down), so that the message says which happened.
  CoordinatorClient(std::unique_ptr<benchd::v1::CoordinatorService::StubInterface> stub,
                    CoordinatorClientOptions options,
                    std::shared_ptr<grpc::ChannelInterface> channel = nullptr);

  const std::string& address() const { return options_.address; }

  // `request` carries the file and its flags (resume, prune-invalid).
  [[nodiscard]] absl::StatusOr<benchd::v1::SubmitSweepResponse> SubmitSweep(
      const benchd::v1::SubmitSweepRequest& request) const;
  // Convenience for a plain submission; returns the new sweep.
  [[nodiscard]] absl::StatusOr<benchd::v1::Sweep> SubmitSweep(const std::string& yaml,
                                                              const std::string& file_name) const;
  // Requeues the sweep's failed experiments; returns how many.
  [[nodiscard]] absl::StatusOr<int64_t> RerunSweep(int64_t sweep_id) const;
  [[nodiscard]] absl::StatusOr<benchd::v1::Sweep> GetSweep(int64_t sweep_id) const;
  [[nodiscard]] absl::StatusOr<std::vector<benchd::v1::Sweep>> ListSweeps() const;
  // All of the sweep's experiments (results), fetched a page at a time: a
  // large sweep's would not fit in one message.
  [[nodiscard]] absl::StatusOr<std::vector<benchd::v1::Experiment>> ListExperiments(
      int64_t sweep_id) const;
  [[nodiscard]] absl::StatusOr<std::vector<benchd::v1::Result>> QueryResults(
      int64_t sweep_id) const;
  // Experiments (results) per request.
  static constexpr int kPageSize = 10'000;
  [[nodiscard]] absl::StatusOr<std::vector<benchd::v1::Agent>> ListAgents() const;

  // Cancels the sweep's pending experiments and stops its running ones.
  // NOT_FOUND for an unknown sweep.
  [[nodiscard]] absl::StatusOr<benchd::v1::CancelSweepResponse> CancelSweep(
      int64_t sweep_id) const;
  // Stops giving the agent work (`undo`: gives it work again); returns how
  // many runs it is still finishing. NOT_FOUND for an unknown agent.
  [[nodiscard]] absl::StatusOr<int64_t> DrainAgent(const std::string& agent, bool undo) const;
  // Takes a device out of service or puts it back (which clears quarantine);
  // returns the device as the coordinator now sees it. NOT_FOUND for an
  // unknown agent or device.
  [[nodiscard]] absl::StatusOr<benchd::v1::Device> SetDeviceEnabled(const std::string& agent,
                                                                     const std::string& device,
                                                                     bool enabled) const;
  // The events matching `request`'s filters, oldest first: the newest
  // `limit` of them (0: 100). INVALID_ARGUMENT for a limit over 10000.
  [[nodiscard]] absl::StatusOr<std::vector<benchd::v1::Event>> ListEvents(
      const benchd::v1::ListEventsRequest& request) const;

  // Follows the sweep's progress stream, calling `on_event` for every event,
  // and returns the last event, whose `complete` is true. A sweep can run for
  // hours, so the stream has no deadline; it ends when the coordinator says
  // the sweep is complete or the connection breaks. A stream that ends without
  // a complete event is an INTERNAL error.
  // Streams a run's trace chunks to `on_chunk` until the coordinator has
  // sent them all. Errors: NOT_FOUND for an unknown run, and the others.
  using TraceCallback = std::function<void(const benchd::v1::RunTraceChunk&)>;
  [[nodiscard]] absl::Status GetRunTrace(int64_t run_id, const TraceCallback& on_chunk) const;

  using WatchCallback = std::function<void(const benchd::v1::WatchSweepResponse&)>;
  [[nodiscard]] absl::StatusOr<benchd::v1::WatchSweepResponse> WatchSweep(
      int64_t sweep_id, const WatchCallback& on_event) const;

 private:
  template <typename Response, typename Call>
  absl::StatusOr<Response> Unary(const Call& call) const;
  // Every item of a paged listing (`request` asked again from each page's
  // next_after_experiment_id until there is none); `items` names the
  // response's repeated field.
  template <typename Response, typename Request, typename Call, typename Item>
  absl::StatusOr<std::vector<Item>> AllPages(
      Request request, const Call& call, google::protobuf::RepeatedPtrField<Item>* (Response::*items)()) const;
  absl::Status TranslateError(const grpc::Status& status) const;

  std::unique_ptr<benchd::v1::CoordinatorService::StubInterface> stub_;
  CoordinatorClientOptions options_;
  std::shared_ptr<grpc::ChannelInterface> channel_;
};

}  // namespace benchd::cli
