#include "daemon/store/pg_report_writers.h"

#include <pqxx/stream_to>
#include <tuple>

#include "common/proto_json.h"
#include "daemon/store/pg_statements.h"
#include "daemon/store/retry_policy.h"
#include "spdlog/fmt/fmt.h"

namespace benchd::daemon {
namespace {

// A log line is stored as an event; a runaway tool must not be able to fill
// the events table through it.
constexpr size_t kMaxLogLineBytes = 8 << 10;

// An empty phase was not measured (earlier agents sent an empty base for
// runs without a base window): NULL, not 0 W.
std::optional<double> PhaseWatts(bool measured, const benchd::v1::PhasePower& phase) {
  return measured && phase.ByteSizeLong() > 0 ? std::optional<double>(phase.avg_w()) : std::nullopt;
}

}  // namespace

Event RunEvent(const LockedRun& run, std::string kind, std::string message) {
  return {.kind = std::move(kind),
          .sweep_id = run.sweep_id,
          .experiment_id = run.experiment_id,
          .run_id = run.id,
          .agent = run.agent,
          .message = std::move(message),
          .device = run.device};
}

std::optional<std::string> EnvironmentEntry(const benchd::v1::Environment& environment, const std::string& key) {
  auto it = environment.entries().find(key);
  if (it == environment.entries().end()) return std::nullopt;
  return it->second;
}

void RecordRejection(pqxx::work& tx, const LockedRun& run, const std::string& reason) {
  if (tx.exec_prepared(sql::kRunEventExists, run.id, "report_rejected").empty()) {
    InsertEvent(tx, RunEvent(run, "report_rejected", fmt::format("report of run {} rejected: {}", run.id, reason)));
  }
}

void CopyLatencySamples(pqxx::work& tx, const LockedRun& run, const benchd::v1::LatencyBatch& batch) {
  if (batch.latency_us_size() == 0) return;
  const auto& target = sql::LatencySamplesCopy();
  pqxx::stream_to copy(tx, target.table, target.columns);
  const bool timed = batch.t_ns_size() > 0;
  const int kind = static_cast<int>(batch.kind());
  for (int i = 0; i < batch.latency_us_size(); ++i) {
    const std::optional<int64_t> t_ns = timed ? std::optional<int64_t>(batch.t_ns(i)) : std::nullopt;
    copy << std::make_tuple(run.id, batch.repeat(), batch.first_index() + i, kind, t_ns, batch.latency_us(i));
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

void StoreLogLine(pqxx::work& tx, const LockedRun& run, const benchd::v1::LogLine& line) {
  const std::string text = SanitizeText(line.text().substr(0, kMaxLogLineBytes));
  InsertEvent(tx, RunEvent(run, "agent_log", fmt::format("[{}] {}", SanitizeText(line.level()), text)));
}

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

void StoreRunMetrics(pqxx::work& tx, const LockedRun& run, const benchd::v1::RunSummary& summary) {
  for (int i = 0; i < summary.extra_size(); ++i) {
    const auto& metric = summary.extra(i);
    tx.exec_prepared(sql::kInsertRunMetric, run.id, i, SanitizeText(metric.name()), metric.value(),
                     SanitizeText(metric.unit()));
  }
}

bool StoreRunFailed(pqxx::work& tx, const LockedRun& run, const benchd::v1::RunFinished& done,
                    const PgStoreOptions& options) {
  const std::optional<int64_t> finished_at = MicrosFromTimestamp(done.finished_at());
  const std::string environment = JsonText(common::EnvironmentToJson(done.environment()));
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
  const std::optional<std::string> config_key = EnvironmentEntry(done.environment(), "config_key");
  const pqxx::result device = tx.exec_prepared(sql::kDeviceRunFailed, run.agent, run.device, error,
                                               options.quarantine_after, counts,
                                               config_key ? std::optional(SanitizeText(*config_key)) : std::nullopt);
  if (device.empty() || !counts || device[0][1].as<int>() != options.quarantine_after) return false;
  InsertEvent(tx, RunEvent(run, "device_quarantined",
                           fmt::format("device '{}' quarantined after {} consecutive infrastructure failures; "
                                       "last: {}",
                                       run.device, options.quarantine_after, error)));
  return true;
}

MeasurementColumns MeasurementColumns::Of(const benchd::v1::RunSummary& summary) {
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

}  // namespace benchd::daemon
