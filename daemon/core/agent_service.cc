#include "daemon/core/agent_service.h"

#include <spdlog/spdlog.h>

#include "common/status_util.h"

namespace benchd::daemon {
namespace {

// Messages queued from one agent before its handler stops reading (gRPC flow
// control then slows the agent down).
constexpr size_t kInboxCapacity = 1024;

// Agent names appear in logs, SQL parameters and CLI tables.
absl::Status ValidateHello(const benchd::v1::Hello& hello) {
  if (hello.agent_name().empty() || hello.agent_name().size() > 128) {
    return absl::InvalidArgumentError("hello: agent_name must be 1 to 128 characters");
  }
  if (hello.devices_size() > 1024) return absl::InvalidArgumentError("hello: more than 1024 devices");
  for (const auto& device : hello.devices()) {
    if (device.name().empty() || device.platform().empty() || device.driver().empty()) {
      return absl::InvalidArgumentError("hello: every device needs a name, a driver and a platform");
    }
  }
  return absl::OkStatus();
}

}  // namespace

AgentServiceImpl::AgentServiceImpl(Store& store, AgentRegistry& agents, Scheduler& scheduler,
                                   SweepEvents& events, std::chrono::milliseconds heartbeat_interval,
                                   std::chrono::milliseconds lease)
    : store_(store),
      agents_(agents),
      scheduler_(scheduler),
      events_(events),
      heartbeat_interval_(heartbeat_interval),
      lease_(lease),
      worker_(store, scheduler, events, lease) {}

grpc::Status AgentServiceImpl::Attach(
    grpc::ServerContext* context,
    grpc::ServerReaderWriter<benchd::v1::CoordinatorMessage, benchd::v1::AgentMessage>* stream) {
  benchd::v1::AgentMessage first;
  if (!stream->Read(&first)) return grpc::Status(grpc::StatusCode::CANCELLED, "stream closed before hello");
  if (!first.has_hello()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "the first message on Attach must be hello");
  }
  const benchd::v1::Hello& hello = first.hello();
  if (absl::Status valid = ValidateHello(hello); !valid.ok()) return common::ToGrpcStatus(valid);

  auto requeued = store_.RegisterAgent(hello);
  if (!requeued.ok()) {
    spdlog::error("agent={}: register: {}", hello.agent_name(), requeued.status().ToString());
    return common::ToGrpcStatus(common::WithContext(requeued.status(), "register agent " + hello.agent_name()));
  }
  if (!requeued->lost_run_ids.empty()) {
    spdlog::warn("agent={}: {} unfinished run(s) from an earlier connection were lost and requeued",
                 hello.agent_name(), requeued->lost_run_ids.size());
    events_.Notify();
  }

  auto session = std::make_shared<AgentSession>(hello, context, stream);
  agents_.Add(session);
  spdlog::info("agent={} connected from {} with {} device(s)", hello.agent_name(), context->peer(),
               hello.devices_size());
  benchd::v1::CoordinatorMessage welcome;
  welcome.mutable_welcome()->set_agent_name(hello.agent_name());
  welcome.mutable_welcome()->set_heartbeat_interval_ms(static_cast<int32_t>(heartbeat_interval_.count()));
  welcome.mutable_welcome()->set_lease_ms(lease_.count());
  session->Send(std::move(welcome));
  // Its devices and whatever its reconnect requeued are news to the snapshot.
  scheduler_.WorkChanged();

  auto connection = std::make_shared<AgentConnection>(session, kInboxCapacity);
  for (benchd::v1::AgentMessage message; stream->Read(&message);) {
    const AgentInbox::Pushed pushed = connection->inbox.Push(std::move(message));
    if (pushed == AgentInbox::Pushed::kClosed) break;
    if (pushed == AgentInbox::Pushed::kFirst) worker_.Schedule(connection);
  }
  const grpc::Status result = common::ToGrpcStatus(connection->inbox.CloseAndWait());

  agents_.Remove(session);
  session->Close();
  if (absl::Status status = store_.MarkAgentDisconnected(hello.agent_name()); !status.ok()) {
    spdlog::warn("agent={}: mark disconnected: {}", hello.agent_name(), status.ToString());
  }
  spdlog::info("agent={} disconnected", hello.agent_name());
  return result;
}

}  // namespace benchd::daemon
