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
  std::string device;
  int attempt = 0;
  // The experiment's newest attempt: a newer one fences this run off.
  int current_attempt = 0;
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
          .message = std::move(message),
          .device = run.device};
}

// One event per run however many of its reports arrive after it was taken
// away: an agent may have hundreds in flight.
IngestResult RejectAndRecord(pqxx::work& tx, const LockedRun& run, std::string reason) {
  if (tx.exec_prepared(sql::kRunEventExists, run.id, "report_rejected").empty()) {
    InsertEvent(tx, RunEvent(run, "report_rejected", fmt::format("report of run {} rejected: {}", run.id, reason)));
  }
  return Rejected(std::move(reason));
}

std::optional<std::string> EnvironmentEntry(const benchd::v1::Environment& environment, const std::string& key) {
  auto it = environment.entries().find(key);
  if (it == environment.entries().end()) return std::nullopt;
  return it->second;
}

// The agent reports a reconfiguration in the environment of the run that
// needed it (device_worker.cc): record it as a timed event.
void StoreReconfiguration(pqxx::work& tx, const LockedRun& run, const benchd::v1::Environment& environment) {
  const auto took_ms = EnvironmentEntry(environment, "reconfigure_ms");
  if (!took_ms) return;
  int64_t duration_ms = 0;
  try {
    duration_ms = std::stoll(*took_ms);
  } catch (const std::exception&) {
    return;  // not a number: the environment keeps it, the event has no duration to record
  }
  const std::string to = SanitizeText(EnvironmentEntry(environment, "config_key").value_or(""));
  const std::string from = SanitizeText(EnvironmentEntry(environment, "reconfigured_from").value_or(""));
  Event event = RunEvent(run, "reconfiguration",
                         fmt::format("device '{}' reconfigured from '{}' to '{}' in {} ms", run.device,
                                     from.empty() ? "unknown" : from, to, duration_ms));
  event.duration_ms = duration_ms;
  InsertEvent(tx, event);
}

void StoreRunStarted(pqxx::work& tx, const LockedRun& run, const benchd::v1::RunStarted& started) {
  tx.exec_prepared(sql::kStartRun, run.id, MicrosFromTimestamp(started.started_at()), run.sweep_id,
                   run.experiment_id, run.agent, run.device);
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

std::optional<double> PhaseWatts(bool measured, const benchd::v1::PhasePower& phase) {
  return measured ? std::optional<double>(phase.avg_w()) : std::nullopt;
}

// The primary rail's figures as columns (NULL where not measured), the
// warnings joined, and the rest of the measurement as JSON.
struct MeasurementColumns {
  std::optional<double> base_w, idle_w, full_w, energy, dynamic_energy;
  std::optional<int> repeat_count;
  std::string warnings;
  std::string json;

  static MeasurementColumns Of(const benchd::v1::RunSummary& summary) {
    MeasurementColumns columns;
    if (summary.power().rails_size() > 0) {
      const benchd::v1::RailPower& primary = summary.power().rails(0);
      columns.base_w = PhaseWatts(primary.has_base(), primary.base());
      columns.idle_w = PhaseWatts(primary.has_idle(), primary.idle());
      columns.full_w = PhaseWatts(primary.has_full(), primary.full());
      if (primary.has_full()) columns.energy = primary.energy_per_inference_j();
      if (primary.has_dynamic_energy_per_inference_j()) {
        columns.dynamic_energy = primary.dynamic_energy_per_inference_j();
      }
    }
    if (summary.repeats_size() > 0) columns.repeat_count = summary.repeats_size();
    for (const std::string& warning : summary.warnings()) {
      if (!columns.warnings.empty()) columns.warnings += "; ";
      columns.warnings += warning;
    }
    columns.warnings = SanitizeText(columns.warnings);
    columns.json = common::MeasurementToJson(summary);
    return columns;
  }
};

void StoreRunSucceeded(pqxx::work& tx, const LockedRun& run, const benchd::v1::RunFinished& done,
                       const std::optional<int64_t>& finished_at, const std::string& environment) {
  const auto& summary = done.summary();
  const auto& latency = summary.latency();
  const std::string message = fmt::format("run {} succeeded: {} inferences, mean {} us, {} fps", run.id,
                                          summary.inferences(), latency.mean_us(), summary.fps());
  const MeasurementColumns measured = MeasurementColumns::Of(summary);
  tx.exec_prepared(sql::kSucceedRun, run.id, finished_at, environment,
                   static_cast<int>(summary.latency_kind()), latency.count(), latency.mean_us(),
                   latency.std_us(), latency.min_us(), latency.max_us(), latency.median_us(),
                   latency.p90_us(), latency.p95_us(), latency.p99_us(), latency.ci95_low_us(),
                   latency.ci95_high_us(), summary.fps(), summary.gops(), summary.inferences(),
                   EnvironmentEntry(done.environment(), "config_key"), run.agent, run.device, run.sweep_id,
                   message, measured.base_w, measured.idle_w, measured.full_w, measured.energy,
                   measured.dynamic_energy, measured.repeat_count, measured.warnings, measured.json);
  for (int i = 0; i < summary.extra_size(); ++i) {
    const auto& metric = summary.extra(i);
    tx.exec_prepared(sql::kInsertRunMetric, run.id, i, SanitizeText(metric.name()), metric.value(),
                     SanitizeText(metric.unit()));
  }
}

// Returns whether this failure put the device in quarantine.
bool StoreRunFailed(pqxx::work& tx, const LockedRun& run, const benchd::v1::RunFinished& done,
                    const std::optional<int64_t>& finished_at, const std::string& environment,
                    const PgStoreOptions& options) {
  const std::optional<std::string> kind = FailureKindText(done.failure_kind());
  const std::string error = done.error().empty()
                                ? fmt::format("run {} failed without an error message", run.id)
                                : SanitizeText(done.error());
  tx.exec_prepared(sql::kFailRun, run.id, finished_at, environment, error, kind);
  const pqxx::row attempts = tx.exec_prepared1(sql::kExperimentAttempts, run.experiment_id);
  const RetryDecision retry =
      DecideRetry(done.failure_kind(), attempts[0].as<int>(), attempts[1].as<int>(), options.retry);
  const std::string state =
      tx.exec_prepared1(sql::kFinishFailedAttempt, run.experiment_id, error, kind, retry.retry,
                        static_cast<int64_t>(retry.delay.count()))[0]
          .as<std::string>();
  InsertEvent(tx, RunEvent(run, "run_failed",
                           fmt::format("run {} failed ({}): {}; experiment {}", run.id,
                                       kind.value_or("unspecified"), error,
                                       state == "pending" ? fmt::format("requeued, retry in {} ms", retry.delay.count())
                                                          : "failed")));
  // Only the device's own failures count towards quarantine: a model that
  // does not fit says nothing about the board.
  const bool counts = done.failure_kind() == benchd::v1::FAILURE_KIND_INFRASTRUCTURE;
  const pqxx::result device =
      tx.exec_prepared(sql::kDeviceRunFailed, run.agent, run.device, error, options.quarantine_after, counts,
                       EnvironmentEntry(done.environment(), "config_key"));
  if (device.empty() || !counts || device[0][1].as<int>() != options.quarantine_after) return false;
  InsertEvent(tx, RunEvent(run, "device_quarantined",
                           fmt::format("device '{}' quarantined after {} consecutive infrastructure failures; "
                                       "last: {}",
                                       run.device, options.quarantine_after, error)));
  return true;
}

bool StoreRunFinished(pqxx::work& tx, const LockedRun& run, const benchd::v1::RunFinished& done,
                      const PgStoreOptions& options) {
  const std::optional<int64_t> finished_at = MicrosFromTimestamp(done.finished_at());
  const std::string environment = JsonText(common::EnvironmentToJson(done.environment()));
  StoreReconfiguration(tx, run, done.environment());
  if (done.succeeded()) {
    StoreRunSucceeded(tx, run, done, finished_at, environment);
    return false;
  }
  return StoreRunFailed(tx, run, done, finished_at, environment, options);
}

void StoreLogLine(pqxx::work& tx, const LockedRun& run, const benchd::v1::LogLine& line) {
  const std::string text = SanitizeText(line.text().substr(0, kMaxLogLineBytes));
  InsertEvent(tx,
              RunEvent(run, "agent_log", fmt::format("[{}] {}", SanitizeText(line.level()), text)));
}

// One report inside the caller's transaction.
absl::StatusOr<IngestResult> IngestOne(pqxx::work& tx, const std::string& agent_name, const Report& report,
                                       const PgStoreOptions& options) {
  const std::string kind = KindOf(report);
  // Locking the run serialises all reports of one run, so the state checks
  // below stay true until commit.
  const pqxx::result locked = tx.exec_prepared(sql::kLockRun, report.run_id());
  if (locked.empty()) return Rejected(fmt::format("run {} does not exist", report.run_id()));
  LockedRun run{.id = report.run_id(),
                .agent = locked[0][0].as<std::string>(),
                .state = locked[0][1].as<std::string>(),
                .experiment_id = locked[0][2].as<int64_t>(),
                .sweep_id = locked[0][3].as<int64_t>(),
                .device = locked[0][4].as<std::string>(),
                .attempt = locked[0][5].as<int>(),
                .current_attempt = locked[0][6].as<int>()};
  if (run.agent != agent_name) {
    return Rejected(fmt::format("run {} belongs to agent '{}'", run.id, run.agent));
  }
  // Attempt 0 comes from an agent that predates fencing; the run id alone
  // then names the attempt.
  if (report.attempt() != 0 && report.attempt() != run.attempt) {
    return RejectAndRecord(tx, run, fmt::format("the report names attempt {}, but run {} is attempt {}",
                                                report.attempt(), run.id, run.attempt));
  }
  if (run.state != "assigned" && run.state != "running") {
    // A replay of a report stored before the run finished (its ack was
    // lost) must be acked, or the agent would keep it forever.
    if (!tx.exec_prepared(sql::kReportExists, run.id, report.seq()).empty()) return Duplicate();
    return RejectAndRecord(tx, run, fmt::format("run {} (attempt {}) is {}", run.id, run.attempt, run.state));
  }
  if (run.attempt != run.current_attempt) {
    return RejectAndRecord(tx, run, fmt::format("attempt {} of experiment {} was superseded by attempt {}",
                                                run.attempt, run.experiment_id, run.current_attempt));
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
      result.device_quarantined = StoreRunFinished(tx, run, report.run_finished(), options);
      result.finished_sweep_id = run.sweep_id;
      break;
    case Report::kLogLine:
      StoreLogLine(tx, run, report.log_line());
      break;
    case Report::BODY_NOT_SET:
      break;
  }
  // A report is a sign of life, as good as a heartbeat (RunStarted renews
  // the lease itself).
  if (!result.finished_sweep_id && !report.has_run_started()) tx.exec_prepared(sql::kExtendRunLease, run.id);
  return result;
}

}  // namespace

absl::StatusOr<IngestResult> PgStore::IngestReport(const std::string& agent_name,
                                                   const Report& report) {
  BENCHD_ASSIGN_OR_RETURN(std::vector<IngestResult> results, IngestReports(agent_name, {report}));
  return std::move(results.front());
}

absl::StatusOr<std::vector<IngestResult>> PgStore::IngestReports(const std::string& agent_name,
                                                                 const std::vector<Report>& reports) {
  for (const Report& report : reports) {
    BENCHD_RETURN_IF_ERROR(common::WithContext(
        ValidateReport(report), fmt::format("ingest report run={} seq={}", report.run_id(), report.seq())));
  }
  const std::string what =
      reports.size() == 1
          ? fmt::format("ingest report run={} seq={}", reports[0].run_id(), reports[0].seq())
          : fmt::format("ingest {} reports of agent '{}'", reports.size(), agent_name);
  // One transaction for all: a short run's RunStarted and RunFinished, or
  // the batches of several devices, arrive together, and a commit per
  // report would cost more than the reports.
  return Transact(*pool_, what, [&](pqxx::work& tx) -> absl::StatusOr<std::vector<IngestResult>> {
    std::vector<IngestResult> results;
    results.reserve(reports.size());
    for (const Report& report : reports) {
      BENCHD_ASSIGN_OR_RETURN(IngestResult result, IngestOne(tx, agent_name, report, options_));
      results.push_back(std::move(result));
    }
    return results;
  });
}


}  // namespace benchd::daemon
