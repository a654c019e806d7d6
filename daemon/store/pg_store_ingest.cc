// PgStore: idempotent ingestion of agent reports.

#include <pqxx/stream_to>
#include <tuple>

#include "common/proto_json.h"
#include "common/status_util.h"
#include "daemon/store/pg_connection_pool.h"
#include "daemon/store/pg_rows.h"
#include "daemon/store/pg_statements.h"
#include "daemon/store/pg_store.h"
#include "daemon/store/pg_transact.h"
#include "spdlog/fmt/fmt.h"

namespace benchd::daemon {
namespace {

using benchd::v1::Report;

// A log line is stored as an event; a runaway tool must not be able to fill
// the events table through it.
constexpr size_t kMaxLogLineBytes = 8 << 10;

// The run a report is about, as locked at the start of the transaction.
struct LockedRun {
  int64_t id = 0;
  std::string agent;
  std::string state;
  int64_t experiment_id = 0;
  int64_t sweep_id = 0;
};

absl::Status ValidateReport(const Report& report) {
  if (report.run_id() <= 0) return absl::InvalidArgumentError("run id must be positive");
  if (report.seq() < 1) return absl::InvalidArgumentError("seq must be 1 or more");
  switch (report.body_case()) {
    case Report::kLatencyBatch: {
      const auto& batch = report.latency_batch();
      if (batch.t_ns_size() != 0 && batch.t_ns_size() != batch.latency_us_size()) {
        return absl::InvalidArgumentError(fmt::format("latency batch has {} latencies but {} times",
                                                      batch.latency_us_size(), batch.t_ns_size()));
      }
      if (batch.first_index() < 0) return absl::InvalidArgumentError("negative first_index");
      return absl::OkStatus();
    }
    case Report::kPowerBatch: {
      const auto& batch = report.power_batch();
      if (batch.t_ns_size() != batch.watts_size()) {
        return absl::InvalidArgumentError(fmt::format("power batch has {} readings but {} times",
                                                      batch.watts_size(), batch.t_ns_size()));
      }
      return absl::OkStatus();
    }
    case Report::BODY_NOT_SET:
      return absl::InvalidArgumentError("report has no body");
    default:
      return absl::OkStatus();
  }
}

std::string KindOf(const Report& report) {
  switch (report.body_case()) {
    case Report::kRunStarted:
      return "run_started";
    case Report::kLatencyBatch:
      return "latency_batch";
    case Report::kPowerBatch:
      return "power_batch";
    case Report::kRunFinished:
      return "run_finished";
    case Report::kLogLine:
      return "log_line";
    case Report::BODY_NOT_SET:
      break;
  }
  return "";
}

IngestResult Rejected(std::string reason) {
  IngestResult result;
  result.outcome = IngestOutcome::kRejected;
  result.reason = std::move(reason);
  return result;
}

IngestResult Duplicate() {
  IngestResult result;
  result.outcome = IngestOutcome::kDuplicate;
  return result;
}

Event RunEvent(const LockedRun& run, std::string kind, std::string message) {
  return {.kind = std::move(kind),
          .sweep_id = run.sweep_id,
          .experiment_id = run.experiment_id,
          .run_id = run.id,
          .agent = run.agent,
          .message = std::move(message)};
}

void StoreRunStarted(pqxx::work& tx, const LockedRun& run, const benchd::v1::RunStarted& started) {
  const pqxx::result changed =
      tx.exec_prepared(sql::kStartRun, run.id, MicrosFromTimestamp(started.started_at()));
  if (changed.affected_rows() > 0) {
    InsertEvent(tx, RunEvent(run, "run_started", fmt::format("run {} started", run.id)));
  }
}

// Samples go in by COPY: a run can report millions of them, and row-by-row
// INSERTs manage tens of thousands per second.
void CopyLatencySamples(pqxx::work& tx, const LockedRun& run,
                        const benchd::v1::LatencyBatch& batch) {
  if (batch.latency_us_size() == 0) return;
  const auto& target = sql::LatencySamplesCopy();
  pqxx::stream_to copy(tx, target.table, target.columns);
  const bool timed = batch.t_ns_size() > 0;
  const int kind = static_cast<int>(batch.kind());
  for (int i = 0; i < batch.latency_us_size(); ++i) {
    const std::optional<int64_t> t_ns =
        timed ? std::optional<int64_t>(batch.t_ns(i)) : std::nullopt;
    copy << std::make_tuple(run.id, batch.repeat(), batch.first_index() + i, kind, t_ns,
                            batch.latency_us(i));
  }
  copy.complete();
}

void CopyPowerSamples(pqxx::work& tx, const LockedRun& run, const benchd::v1::PowerBatch& batch) {
  if (batch.watts_size() == 0) return;
  const std::string channel = SanitizeText(batch.channel());
  const auto& target = sql::PowerSamplesCopy();
  pqxx::stream_to copy(tx, target.table, target.columns);
  for (int i = 0; i < batch.watts_size(); ++i) {
    copy << std::make_tuple(run.id, channel, batch.t_ns(i), batch.watts(i));
  }
  copy.complete();
}

void StoreRunSucceeded(pqxx::work& tx, const LockedRun& run, const benchd::v1::RunFinished& done,
                       const std::optional<int64_t>& finished_at, const std::string& environment) {
  const auto& summary = done.summary();
  const auto& latency = summary.latency();
  tx.exec_prepared(sql::kSucceedRun, run.id, finished_at, environment,
                   static_cast<int>(summary.latency_kind()), latency.count(), latency.mean_us(),
                   latency.std_us(), latency.min_us(), latency.max_us(), latency.median_us(),
                   latency.p90_us(), latency.p95_us(), latency.p99_us(), latency.ci95_low_us(),
                   latency.ci95_high_us(), summary.fps(), summary.gops(), summary.inferences());
  for (int i = 0; i < summary.extra_size(); ++i) {
    const auto& metric = summary.extra(i);
    tx.exec_prepared(sql::kInsertRunMetric, run.id, i, SanitizeText(metric.name()), metric.value(),
                     SanitizeText(metric.unit()));
  }
  tx.exec_prepared(sql::kSucceedExperiment, run.experiment_id);
  InsertEvent(tx,
              RunEvent(run, "run_succeeded",
                       fmt::format("run {} succeeded: {} inferences, mean {} us, {} fps", run.id,
                                   summary.inferences(), latency.mean_us(), summary.fps())));
}

void StoreRunFailed(pqxx::work& tx, const LockedRun& run, const benchd::v1::RunFinished& done,
                    const std::optional<int64_t>& finished_at, const std::string& environment) {
  const std::optional<std::string> kind = FailureKindText(done.failure_kind());
  const std::string error = done.error().empty()
                                ? fmt::format("run {} failed without an error message", run.id)
                                : SanitizeText(done.error());
  tx.exec_prepared(sql::kFailRun, run.id, finished_at, environment, error, kind);
  // A measurement failure belongs to the experiment (the model does not fit,
  // the precision is unsupported) and would fail again; only infrastructure
  // failures are worth another attempt.
  const bool retry = done.failure_kind() == benchd::v1::FAILURE_KIND_INFRASTRUCTURE;
  const std::string state =
      tx.exec_prepared1(sql::kFinishFailedAttempt, run.experiment_id, error, kind, retry)[0]
          .as<std::string>();
  InsertEvent(tx, RunEvent(run, "run_failed",
                           fmt::format("run {} failed ({}): {}; experiment {}", run.id,
                                       kind.value_or("unspecified"), error,
                                       state == "pending" ? "requeued" : "failed")));
}

void StoreRunFinished(pqxx::work& tx, const LockedRun& run, const benchd::v1::RunFinished& done) {
  const std::optional<int64_t> finished_at = MicrosFromTimestamp(done.finished_at());
  const std::string environment = JsonText(common::EnvironmentToJson(done.environment()));
  if (done.succeeded()) {
    StoreRunSucceeded(tx, run, done, finished_at, environment);
  } else {
    StoreRunFailed(tx, run, done, finished_at, environment);
  }
}

void StoreLogLine(pqxx::work& tx, const LockedRun& run, const benchd::v1::LogLine& line) {
  const std::string text = SanitizeText(line.text().substr(0, kMaxLogLineBytes));
  InsertEvent(tx,
              RunEvent(run, "agent_log", fmt::format("[{}] {}", SanitizeText(line.level()), text)));
}

}  // namespace

absl::StatusOr<IngestResult> PgStore::IngestReport(const std::string& agent_name,
                                                   const Report& report) {
  const std::string what =
      fmt::format("ingest report run={} seq={}", report.run_id(), report.seq());
  BENCHD_RETURN_IF_ERROR(common::WithContext(ValidateReport(report), what));
  const std::string kind = KindOf(report);

  return Transact(*pool_, what, [&](pqxx::work& tx) -> absl::StatusOr<IngestResult> {
    // Locking the run serialises all reports of one run, so the state checks
    // below stay true until commit.
    const pqxx::result locked = tx.exec_prepared(sql::kLockRun, report.run_id());
    if (locked.empty()) return Rejected(fmt::format("run {} does not exist", report.run_id()));
    LockedRun run{.id = report.run_id(),
                  .agent = locked[0][0].as<std::string>(),
                  .state = locked[0][1].as<std::string>(),
                  .experiment_id = locked[0][2].as<int64_t>(),
                  .sweep_id = locked[0][3].as<int64_t>()};
    if (run.agent != agent_name) {
      return Rejected(fmt::format("run {} belongs to agent '{}'", run.id, run.agent));
    }
    if (run.state != "assigned" && run.state != "running") {
      // A replay of a report stored before the run finished (its ack was
      // lost) must be acked, or the agent would keep it forever.
      if (!tx.exec_prepared(sql::kReportExists, run.id, report.seq()).empty()) return Duplicate();
      return Rejected(fmt::format("run {} is {}", run.id, run.state));
    }
    if (tx.exec_prepared(sql::kLedgerReport, run.id, report.seq(), kind).empty()) {
      return Duplicate();
    }

    IngestResult result;
    switch (report.body_case()) {
      case Report::kRunStarted:
        StoreRunStarted(tx, run, report.run_started());
        break;
      case Report::kLatencyBatch:
        CopyLatencySamples(tx, run, report.latency_batch());
        break;
      case Report::kPowerBatch:
        CopyPowerSamples(tx, run, report.power_batch());
        break;
      case Report::kRunFinished:
        StoreRunFinished(tx, run, report.run_finished());
        result.finished_sweep_id = run.sweep_id;
        break;
      case Report::kLogLine:
        StoreLogLine(tx, run, report.log_line());
        break;
      case Report::BODY_NOT_SET:
        break;
    }
    // A report is a sign of life, as good as a heartbeat.
    if (!result.finished_sweep_id) tx.exec_prepared(sql::kExtendRunLease, run.id);
    return result;
  });
}

}  // namespace benchd::daemon
