#include "daemon/core/agent_service.h"

#include <spdlog/spdlog.h>

#include <thread>

#include "common/status_util.h"
#include "daemon/core/agent_inbox.h"

namespace benchd::daemon {
namespace {

// Messages queued from one agent before its reader waits (gRPC flow
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
      lease_(lease) {}

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

  // Reading on a thread of its own lets the reports that arrive while one
  // batch is being stored queue up and go into the next transaction together.
  AgentInbox inbox(kInboxCapacity);
  std::thread reader([&] {
    benchd::v1::AgentMessage message;
    while (stream->Read(&message) && inbox.Push(std::move(message))) {
    }
    inbox.Close();
  });
  grpc::Status result = grpc::Status::OK;
  for (std::vector<benchd::v1::AgentMessage> batch = inbox.TakeAll(); !batch.empty(); batch = inbox.TakeAll()) {
    absl::Status handled = HandleBatch(session, batch);
    if (!handled.ok()) {
      spdlog::error("agent={}: {}", hello.agent_name(), handled.ToString());
      result = common::ToGrpcStatus(handled);
      break;
    }
  }
  // Ends the reader's Read if the handler gave up first.
  inbox.Close();
  context->TryCancel();
  reader.join();

  agents_.Remove(session);
  session->Close();
  if (absl::Status status = store_.MarkAgentDisconnected(hello.agent_name()); !status.ok()) {
    spdlog::warn("agent={}: mark disconnected: {}", hello.agent_name(), status.ToString());
  }
  spdlog::info("agent={} disconnected", hello.agent_name());
  return result;
}

absl::Status AgentServiceImpl::HandleBatch(const std::shared_ptr<AgentSession>& session,
                                          const std::vector<benchd::v1::AgentMessage>& batch) {
  std::vector<benchd::v1::Report> reports;
  auto flush = [&]() -> absl::Status {
    if (reports.empty()) return absl::OkStatus();
    absl::Status handled = HandleReports(session, reports);
    reports.clear();
    return handled;
  };
  // Reports in order, other messages between them where they came.
  for (const benchd::v1::AgentMessage& message : batch) {
    if (message.has_report()) {
      reports.push_back(message.report());
      continue;
    }
    BENCHD_RETURN_IF_ERROR(flush());
    if (message.has_heartbeat()) {
      BENCHD_RETURN_IF_ERROR(HandleHeartbeat(*session, message.heartbeat()));
    } else if (message.has_health_result()) {
      BENCHD_RETURN_IF_ERROR(HandleHealthResult(*session, message.health_result()));
    } else {
      return absl::InvalidArgumentError("unexpected message after hello");
    }
  }
  return flush();
}

absl::Status AgentServiceImpl::HandleHeartbeat(AgentSession& session, const benchd::v1::Heartbeat& heartbeat) {
  std::vector<int64_t> runs(heartbeat.active_run_ids().begin(), heartbeat.active_run_ids().end());
  auto renewed = store_.RecordHeartbeat(session.agent_name(), runs, lease_);
  if (!renewed.ok()) return common::WithContext(renewed.status(), "record heartbeat");
  // Sent after the commit: the agent may count on the lease from the moment
  // it sent the heartbeat.
  benchd::v1::CoordinatorMessage reply;
  benchd::v1::LeaseRenewed* lease = reply.mutable_lease_renewed();
  lease->set_heartbeat_seq(heartbeat.seq());
  lease->set_lease_ms(lease_.count());
  lease->mutable_run_ids()->Add(renewed->begin(), renewed->end());
  session.Send(std::move(reply));
  return absl::OkStatus();
}

absl::Status AgentServiceImpl::HandleHealthResult(AgentSession& session, const benchd::v1::HealthResult& result) {
  auto recovered = store_.RecordHealthCheck(session.agent_name(), result.device(), result.healthy(), result.detail());
  if (absl::IsNotFound(recovered.status())) {
    spdlog::warn("agent={}: health result for unknown device '{}'", session.agent_name(), result.device());
    return absl::OkStatus();
  }
  if (!recovered.ok()) return common::WithContext(recovered.status(), "record health check");
  if (*recovered) {
    spdlog::info("agent={} device={}: health check passed; back in service", session.agent_name(), result.device());
    scheduler_.WorkChanged();
  } else {
    spdlog::warn("agent={} device={}: health check {}: {}", session.agent_name(), result.device(),
                 result.healthy() ? "passed" : "failed", result.detail());
  }
  return absl::OkStatus();
}

absl::Status AgentServiceImpl::HandleReports(const std::shared_ptr<AgentSession>& session,
                                            const std::vector<benchd::v1::Report>& reports) {
  for (const benchd::v1::Report& report : reports) {
    if (report.run_id() <= 0 || report.seq() <= 0) {
      return absl::InvalidArgumentError("report: run_id and seq must be positive");
    }
  }
  auto ingested = store_.IngestReports(session->agent_name(), reports);
  if (!ingested.ok()) {
    return common::WithContext(ingested.status(), reports.size() == 1
                                                      ? "ingest report run=" + std::to_string(reports[0].run_id()) +
                                                            " seq=" + std::to_string(reports[0].seq())
                                                      : "ingest " + std::to_string(reports.size()) + " reports");
  }
  for (size_t i = 0; i < reports.size(); ++i) AfterIngest(*session, reports[i], (*ingested)[i]);
  return absl::OkStatus();
}

void AgentServiceImpl::AfterIngest(AgentSession& session, const benchd::v1::Report& report,
                                   const IngestResult& ingested) {
  benchd::v1::CoordinatorMessage reply;
  benchd::v1::Ack* ack = reply.mutable_ack();
  ack->set_run_id(report.run_id());
  ack->set_seq(report.seq());
  if (ingested.outcome == IngestOutcome::kRejected) {
    ack->set_rejected(true);
    ack->set_reason(ingested.reason);
    spdlog::warn("agent={} run={} seq={}: report rejected: {}", session.agent_name(), report.run_id(),
                 report.seq(), ingested.reason);
  }
  session.Send(std::move(reply));

  const bool run_over = report.has_run_finished() || ingested.outcome == IngestOutcome::kRejected;
  if (run_over && session.MarkRunDone(report.run_id())) {
    scheduler_.RunEnded(report.run_id());
    // A failure may have requeued the experiment or quarantined the device.
    const bool failed = report.has_run_finished() && !report.run_finished().succeeded();
    if (failed || ingested.device_quarantined) {
      scheduler_.WorkChanged();
    } else {
      scheduler_.Kick();
    }
  }
  if (ingested.outcome == IngestOutcome::kStored && (report.has_run_finished() || report.has_run_started())) {
    events_.Notify();
  }
}

}  // namespace benchd::daemon
