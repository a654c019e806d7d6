#include "daemon/core/agent_message_worker.h"

#include <pthread.h>
#include <spdlog/spdlog.h>

#include <set>

#include "common/status_util.h"

namespace benchd::daemon {
namespace {

// A successful finish frees its device for the next run at once; after a
// failure or a quarantine the scheduler reloads its snapshot first.
bool FreesDeviceForNextRun(const benchd::v1::Report& report, const IngestResult& ingested) {
  return report.has_run_finished() && report.run_finished().succeeded() &&
         ingested.outcome == IngestOutcome::kStored && !ingested.device_quarantined;
}

}  // namespace

struct AgentMessageWorker::Taken {
  Taken(AgentConnection* connection, std::vector<benchd::v1::AgentMessage> messages)
      : connection(connection), messages(std::move(messages)) {}

  AgentConnection* connection;
  std::vector<benchd::v1::AgentMessage> messages;
  size_t next = 0;
  absl::Status status;

  bool HasMore() const { return status.ok() && next < messages.size(); }
};

AgentMessageWorker::AgentMessageWorker(Store& store, Scheduler& scheduler, SweepEvents& events,
                                       std::chrono::milliseconds lease)
    : store_(store), scheduler_(scheduler), events_(events), lease_(lease) {
  thread_ = std::thread([this] { Loop(); });
}

AgentMessageWorker::~AgentMessageWorker() { Stop(); }

void AgentMessageWorker::Schedule(std::shared_ptr<AgentConnection> connection) {
  {
    std::lock_guard lock(mutex_);
    ready_.push_back(std::move(connection));
  }
  scheduled_.notify_one();
}

void AgentMessageWorker::Stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  scheduled_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void AgentMessageWorker::Loop() {
  // Named for top -H and perf.
  ::pthread_setname_np(::pthread_self(), "benchd-ingest");
  std::unique_lock lock(mutex_);
  while (true) {
    scheduled_.wait(lock, [&] { return stopping_ || !ready_.empty(); });
    if (ready_.empty()) return;
    std::vector<std::shared_ptr<AgentConnection>> unit;
    unit.swap(ready_);
    lock.unlock();
    HandleUnit(unit);
    lock.lock();
  }
}

void AgentMessageWorker::HandleUnit(const std::vector<std::shared_ptr<AgentConnection>>& connections) {
  std::vector<Taken> taken;
  taken.reserve(connections.size());
  for (const auto& connection : connections) taken.emplace_back(connection.get(), connection->inbox.TakeAll());
  // Reports in order, other messages between them where they came.
  for (bool more = true; more;) {
    StoreReports(taken);
    more = false;
    for (Taken& agent : taken) {
      if (!agent.HasMore()) continue;
      HandleOther(agent, agent.messages[agent.next++]);
      more = more || agent.HasMore();
    }
  }
  for (size_t i = 0; i < taken.size(); ++i) {
    const Taken& agent = taken[i];
    if (!agent.status.ok()) {
      spdlog::error("agent={}: {}", agent.connection->session->agent_name(), agent.status.ToString());
      // Ends the handler's Read; the handler returns the error.
      agent.connection->session->Cancel();
    }
    if (agent.connection->inbox.Handled(agent.status)) Schedule(connections[i]);
  }
}

void AgentMessageWorker::StoreReports(std::vector<Taken>& taken) {
  std::vector<std::vector<benchd::v1::Report>> reports(taken.size());
  std::vector<AgentReports> batches;
  std::vector<size_t> owners;
  for (size_t i = 0; i < taken.size(); ++i) {
    Taken& agent = taken[i];
    while (agent.HasMore() && agent.messages[agent.next].has_report()) {
      benchd::v1::Report& report = *agent.messages[agent.next++].mutable_report();
      if (report.run_id() <= 0 || report.seq() <= 0) {
        agent.status = absl::InvalidArgumentError("report: run_id and seq must be positive");
        break;
      }
      reports[i].push_back(std::move(report));
    }
    if (!agent.status.ok() || reports[i].empty()) continue;
    batches.push_back({agent.connection->session->agent_name(), reports[i]});
    owners.push_back(i);
  }
  if (batches.empty()) return;
  // The devices whose runs these reports finish are claimed for in the same
  // transaction: their next Assign leaves with its commit.
  Scheduler::Plan plan;
  const ClaimsAfterIngest claim_next = [&](const std::vector<const AgentReports*>& stored,
                                           const std::vector<std::vector<IngestResult>>& results) {
    std::vector<Scheduler::Candidate> finishing;
    for (size_t k = 0; k < stored.size(); ++k) {
      const std::shared_ptr<AgentSession>& session =
          taken[owners[static_cast<size_t>(stored[k] - batches.data())]].connection->session;
      for (size_t j = 0; j < stored[k]->reports.size(); ++j) {
        const benchd::v1::Report& report = stored[k]->reports[j];
        if (!FreesDeviceForNextRun(report, results[k][j])) continue;
        if (auto device = session->DeviceRunning(report.run_id())) {
          finishing.push_back({session, *std::move(device), report.run_id()});
        }
      }
    }
    plan = scheduler_.PlanNextRuns(std::move(finishing));
    return plan.requests;
  };
  IngestedBatches ingested = store_.IngestReportsOfAgents(batches, claim_next);
  std::set<int64_t> handed_over;
  if (ingested.claimed) {
    for (const Scheduler::Candidate& candidate : plan.candidates) handed_over.insert(*candidate.finishing_run_id);
  }
  for (size_t k = 0; k < owners.size(); ++k) {
    Taken& agent = taken[owners[k]];
    const std::vector<benchd::v1::Report>& sent = reports[owners[k]];
    if (!ingested.results[k].ok()) {
      agent.status = common::WithContext(
          ingested.results[k].status(), sent.size() == 1 ? "ingest report run=" + std::to_string(sent[0].run_id()) +
                                                               " seq=" + std::to_string(sent[0].seq())
                                                         : "ingest " + std::to_string(sent.size()) + " reports");
      continue;
    }
    for (size_t j = 0; j < sent.size(); ++j) {
      AfterIngest(agent.connection->session, sent[j], (*ingested.results[k])[j],
                  handed_over.count(sent[j].run_id()) != 0);
    }
  }
  if (ingested.claimed) scheduler_.StartRuns(plan, ingested.claims);
}

void AgentMessageWorker::HandleOther(Taken& agent, const benchd::v1::AgentMessage& message) {
  AgentSession& session = *agent.connection->session;
  if (message.has_heartbeat()) {
    agent.status = HandleHeartbeat(session, message.heartbeat());
  } else if (message.has_health_result()) {
    agent.status = HandleHealthResult(session, message.health_result());
  } else {
    agent.status = absl::InvalidArgumentError("unexpected message after hello");
  }
}

absl::Status AgentMessageWorker::HandleHeartbeat(AgentSession& session, const benchd::v1::Heartbeat& heartbeat) {
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

absl::Status AgentMessageWorker::HandleHealthResult(AgentSession& session, const benchd::v1::HealthResult& result) {
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

void AgentMessageWorker::AfterIngest(const std::shared_ptr<AgentSession>& session_ptr,
                                     const benchd::v1::Report& report, const IngestResult& ingested,
                                     bool handed_over) {
  AgentSession& session = *session_ptr;
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
  // A handed-over device's next run is the scheduler's StartRuns.
  if (run_over && !handed_over) {
    // A failure may have requeued the experiment or quarantined the device.
    const bool failed = report.has_run_finished() && !report.run_finished().succeeded();
    if (failed || ingested.device_quarantined) {
      scheduler_.FreeAfterReload(session_ptr, report.run_id());
    } else if (session.MarkRunDone(report.run_id())) {
      scheduler_.RunEnded(report.run_id());
      scheduler_.Kick();
    }
  }
  if (ingested.outcome == IngestOutcome::kStored && (report.has_run_finished() || report.has_run_started())) {
    events_.Notify();
  }
}

}  // namespace benchd::daemon
