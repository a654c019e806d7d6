#include "daemon/store/pg_store.h"

#include <algorithm>
#include <optional>
#include <unordered_map>
#include <utility>

#include "common/proto_json.h"
#include "common/status_util.h"
#include "daemon/store/migrations.h"
#include "daemon/store/pg_connection_pool.h"
#include "daemon/store/pg_rows.h"
#include "daemon/store/pg_statements.h"
#include "daemon/store/pg_transact.h"
#include "spdlog/fmt/fmt.h"

namespace benchd::daemon {
namespace {

// Reads a row of BENCHD_SWEEP_WITH_PROGRESS (pg_statements.cc).
benchd::v1::Sweep SweepFromRow(const pqxx::row& row) {
  benchd::v1::Sweep sweep;
  sweep.set_id(row[0].as<int64_t>());
  sweep.set_name(row[1].as<std::string>());
  sweep.set_source(row[2].as<std::string>());
  *sweep.mutable_submitted_at() = TimestampFromMicros(row[3].as<int64_t>());
  auto& progress = *sweep.mutable_progress();
  progress.set_total(row[4].as<int64_t>());
  progress.set_pending(row[5].as<int64_t>());
  progress.set_running(row[6].as<int64_t>());
  progress.set_succeeded(row[7].as<int64_t>());
  progress.set_failed(row[8].as<int64_t>());
  progress.set_cancelled(row[9].as<int64_t>());
  progress.set_unschedulable(row[14].as<int64_t>());
  progress.set_blocked(row[18].as<int64_t>());
  // Unschedulable and blocked work waits for a device that may never come
  // (back): it has no place in an estimate.
  const int64_t remaining =
      progress.pending() - progress.unschedulable() - progress.blocked() + progress.running();
  // The rate's window: the last 5 minutes, or since the runs active in them
  // began (none: no rate).
  const double window_s = std::min(300.0, DoubleOr(row[16], 0));
  if (window_s >= 1.0) {
    progress.set_throughput_per_min(static_cast<double>(row[15].as<int64_t>()) * 60.0 / window_s);
  }
  // Nothing that can run: the eta stays 0.
  if (remaining > 0 && progress.throughput_per_min() > 0) {
    progress.set_eta_ms(
        static_cast<int64_t>(static_cast<double>(remaining) * 60000.0 / progress.throughput_per_min()));
  } else if (remaining > 0 && !row[10].is_null()) {
    const double mean_ms = row[10].as<double>();
    const int64_t devices = std::max<int64_t>(1, row[11].as<int64_t>());
    progress.set_eta_ms(static_cast<int64_t>(mean_ms * static_cast<double>(remaining) /
                                             static_cast<double>(devices)));
  }
  sweep.set_priority(row[12].as<int>());
  sweep.set_resumed_from(row[13].as<int64_t>());
  sweep.set_cancelled(row[17].as<bool>());
  return sweep;
}

absl::StatusOr<benchd::v1::Sweep> SelectSweep(pqxx::work& tx, int64_t sweep_id) {
  const pqxx::result rows = tx.exec_prepared(sql::kSweepById, sweep_id);
  if (rows.empty()) return absl::NotFoundError("no such sweep");
  return SweepFromRow(rows[0]);
}

// LIMIT NULL is no limit.
std::optional<int> LimitOf(const Page& page) {
  return page.limit > 0 ? std::optional<int>(page.limit) : std::nullopt;
}

absl::Status RequireSweep(pqxx::work& tx, int64_t sweep_id) {
  if (tx.exec_prepared(sql::kSweepExists, sweep_id).empty()) {
    return absl::NotFoundError("no such sweep");
  }
  return absl::OkStatus();
}

}  // namespace

PgStore::PgStore(PgStoreOptions options)
    : options_(std::move(options)),
      pool_(std::make_unique<ConnectionPool>(options_.dsn, options_.pool_size, sql::PrepareAll)),
      dispatch_pool_(std::make_unique<ConnectionPool>(options_.dsn, kDispatchPoolSize, sql::PrepareForKeyLookups)) {}

PgStore::~PgStore() = default;

absl::Status PgStore::Open() {
  auto applied = Transact(*pool_, "open store: apply migrations",
                          [](pqxx::work& tx) { return ApplyMigrations(tx, EmbeddedMigrations()); });
  if (!applied.ok()) return applied.status();
  return DropAbandonedSweepParts({}, kStagedPartMaxAgeS);
}

absl::StatusOr<std::vector<std::string>> PgStore::SucceededPointKeys(int64_t sweep_id) {
  return Transact(*pool_, fmt::format("succeeded points of sweep {}", sweep_id),
                  [&](pqxx::work& tx) -> absl::StatusOr<std::vector<std::string>> {
                    BENCHD_RETURN_IF_ERROR(RequireSweep(tx, sweep_id));
                    std::vector<std::string> keys;
                    for (const auto& row : tx.exec_prepared(sql::kSucceededPointKeys, sweep_id)) {
                      keys.push_back(row[0].as<std::string>());
                    }
                    return keys;
                  });
}

absl::StatusOr<int64_t> PgStore::RequeueFailed(int64_t sweep_id) {
  return Transact(*pool_, fmt::format("requeue failed experiments of sweep {}", sweep_id),
                  [&](pqxx::work& tx) -> absl::StatusOr<int64_t> {
                    const pqxx::result cancelled = tx.exec_prepared(sql::kSweepCancelled, sweep_id);
                    if (cancelled.empty()) return absl::NotFoundError("no such sweep");
                    if (cancelled[0][0].as<bool>()) {
                      return absl::FailedPreconditionError(fmt::format(
                          "sweep {} was cancelled; submit its file again with --resume {} to run what is missing",
                          sweep_id, sweep_id));
                    }
                    const int64_t requeued = tx.exec_prepared(sql::kRequeueFailed, sweep_id).affected_rows();
                    InsertEvent(tx, {.kind = "sweep_rerun",
                                     .sweep_id = sweep_id,
                                     .message = fmt::format("{} failed experiments requeued", requeued)});
                    return requeued;
                  });
}

absl::StatusOr<benchd::v1::Sweep> PgStore::GetSweep(int64_t sweep_id) {
  return Transact(*pool_, fmt::format("get sweep {}", sweep_id),
                  [&](pqxx::work& tx) { return SelectSweep(tx, sweep_id); });
}

absl::StatusOr<std::vector<benchd::v1::Sweep>> PgStore::ListSweeps() {
  return Transact(*pool_, "list sweeps",
                  [&](pqxx::work& tx) -> absl::StatusOr<std::vector<benchd::v1::Sweep>> {
                    std::vector<benchd::v1::Sweep> sweeps;
                    for (const auto& row : tx.exec_prepared(sql::kAllSweeps)) {
                      sweeps.push_back(SweepFromRow(row));
                    }
                    return sweeps;
                  });
}

absl::StatusOr<benchd::v1::SweepProgress> PgStore::GetProgress(int64_t sweep_id) {
  return Transact(*pool_, fmt::format("get progress of sweep {}", sweep_id),
                  [&](pqxx::work& tx) -> absl::StatusOr<benchd::v1::SweepProgress> {
                    auto sweep = SelectSweep(tx, sweep_id);
                    if (!sweep.ok()) return sweep.status();
                    return sweep->progress();
                  });
}

absl::StatusOr<std::vector<benchd::v1::Experiment>> PgStore::ListExperiments(int64_t sweep_id, const Page& page) {
  return Transact(*pool_, fmt::format("list experiments of sweep {}", sweep_id),
                  [&](pqxx::work& tx) -> absl::StatusOr<std::vector<benchd::v1::Experiment>> {
                    const pqxx::result rows =
                        tx.exec_prepared(sql::kExperimentsOfSweep, sweep_id, page.after_id, LimitOf(page));
                    if (rows.empty()) BENCHD_RETURN_IF_ERROR(RequireSweep(tx, sweep_id));
                    std::vector<benchd::v1::Experiment> experiments;
                    experiments.reserve(rows.size());
                    for (const auto& row : rows) {
                      benchd::v1::Experiment experiment;
                      experiment.set_id(row[0].as<int64_t>());
                      experiment.set_sweep_id(row[1].as<int64_t>());
                      experiment.set_ordinal(row[2].as<int>());
                      experiment.set_platform(row[3].as<std::string>());
                      BENCHD_ASSIGN_OR_RETURN(*experiment.mutable_parameters(),
                                              common::ParametersFromJson(JsonFromField(row[4])));
                      BENCHD_ASSIGN_OR_RETURN(auto state,
                                              ExperimentStateFromText(row[5].as<std::string>()));
                      experiment.set_state(state);
                      experiment.set_attempts(row[6].as<int>());
                      experiment.set_error(row[7].as<std::string>());
                      experiment.set_config_key(row[8].as<std::string>());
                      experiment.set_point_key(row[9].as<std::string>());
                      if (!row[10].is_null()) {
                        experiment.set_unschedulable(true);
                        experiment.set_unschedulable_reason(row[10].as<std::string>());
                      }
                      experiments.push_back(std::move(experiment));
                    }
                    return experiments;
                  });
}

absl::StatusOr<std::vector<benchd::v1::Result>> PgStore::QueryResults(int64_t sweep_id, const Page& page) {
  return Transact(
      *pool_, fmt::format("query results of sweep {}", sweep_id),
      [&](pqxx::work& tx) -> absl::StatusOr<std::vector<benchd::v1::Result>> {
        const pqxx::result rows = tx.exec_prepared(sql::kResultsOfSweep, sweep_id, page.after_id, LimitOf(page));
        if (rows.empty()) BENCHD_RETURN_IF_ERROR(RequireSweep(tx, sweep_id));
        std::vector<benchd::v1::Result> results;
        std::unordered_map<int64_t, size_t> index_of_run;
        results.reserve(rows.size());
        for (const auto& row : rows) {
          benchd::v1::Result result;
          result.set_experiment_id(row[0].as<int64_t>());
          result.set_run_id(row[1].as<int64_t>());
          BENCHD_ASSIGN_OR_RETURN(*result.mutable_parameters(),
                                  common::ParametersFromJson(JsonFromField(row[2])));
          auto& summary = *result.mutable_summary();
          summary.set_latency_kind(static_cast<benchd::v1::LatencyKind>(Int64Or(row[3], 0)));
          auto& latency = *summary.mutable_latency();
          latency.set_count(Int64Or(row[4], 0));
          // A figure the run did not report is NULL, and stays absent.
          const auto figure = [&](const pqxx::field& field, auto& message, auto setter) {
            if (!field.is_null()) (message.*setter)(field.as<double>());
          };
          using Stats = benchd::v1::LatencyStats;
          figure(row[5], latency, &Stats::set_mean_us);
          figure(row[6], latency, &Stats::set_std_us);
          figure(row[7], latency, &Stats::set_min_us);
          figure(row[8], latency, &Stats::set_max_us);
          figure(row[9], latency, &Stats::set_median_us);
          figure(row[10], latency, &Stats::set_p90_us);
          figure(row[11], latency, &Stats::set_p95_us);
          figure(row[12], latency, &Stats::set_p99_us);
          figure(row[13], latency, &Stats::set_ci95_low_us);
          figure(row[14], latency, &Stats::set_ci95_high_us);
          figure(row[15], summary, &benchd::v1::RunSummary::set_fps);
          figure(row[16], summary, &benchd::v1::RunSummary::set_gops);
          summary.set_inferences(Int64Or(row[17], 0));
          BENCHD_ASSIGN_OR_RETURN(*result.mutable_environment(),
                                  common::EnvironmentFromJson(JsonFromField(row[18])));
          result.set_agent(row[19].as<std::string>());
          result.set_device(row[20].as<std::string>());
          result.set_latency_sample_count(row[21].as<int64_t>());
          BENCHD_RETURN_IF_ERROR(common::WithContext(
              common::MergeMeasurementJson(row[22].as<std::string>(), summary),
              fmt::format("run {}", result.run_id())));
          index_of_run[result.run_id()] = results.size();
          results.push_back(std::move(result));
        }
        std::vector<int64_t> run_ids;
        for (const auto& [run_id, index] : index_of_run) run_ids.push_back(run_id);
        for (const auto& row : tx.exec_prepared(sql::kMetricsOfRuns, Int64ArrayText(run_ids))) {
          auto it = index_of_run.find(row[0].as<int64_t>());
          if (it == index_of_run.end()) continue;  // a run that lost to a newer one
          auto& metric = *results[it->second].mutable_summary()->add_extra();
          metric.set_name(row[1].as<std::string>());
          metric.set_value(row[2].as<double>());
          metric.set_unit(row[3].as<std::string>());
        }
        return results;
      });
}

absl::Status PgStore::ReadRunTrace(int64_t run_id, const std::function<bool(benchd::v1::RunTraceChunk)>& sink) {
  // Keeps each message well under gRPC's size limit: 4096 samples are 64 KiB.
  constexpr int kSamplesPerChunk = 4096;
  struct Rows {
    std::string measurement;
    pqxx::result power;
    pqxx::result latency;
  };
  // Read first, stream afterwards: a transaction may be rerun, the stream
  // to the client may not.
  BENCHD_ASSIGN_OR_RETURN(
      Rows rows, Transact(*pool_, fmt::format("read the trace of run {}", run_id),
                          [&](pqxx::work& tx) -> absl::StatusOr<Rows> {
                            const pqxx::result header = tx.exec_prepared(sql::kRunTraceHeader, run_id);
                            if (header.empty()) return absl::NotFoundError(fmt::format("no run {}", run_id));
                            return Rows{header[0][0].as<std::string>(),
                                        tx.exec_prepared(sql::kRunPowerSamples, run_id),
                                        tx.exec_prepared(sql::kRunLatencySamples, run_id)};
                          }));
  benchd::v1::RunSummary measurement;
  BENCHD_RETURN_IF_ERROR(common::WithContext(common::MergeMeasurementJson(rows.measurement, measurement),
                                             fmt::format("run {}", run_id)));
  benchd::v1::RunTraceChunk chunk;
  *chunk.mutable_phases() = measurement.power().phases();
  const auto flush = [&]() {
    const bool more = sink(std::move(chunk));
    chunk = benchd::v1::RunTraceChunk();
    return more;
  };
  if (!flush()) return absl::OkStatus();
  for (const auto& row : rows.power) {
    const std::string channel = row[0].as<std::string>();
    if (chunk.has_power() && (chunk.power().channel() != channel || chunk.power().watts_size() >= kSamplesPerChunk)) {
      if (!flush()) return absl::OkStatus();
    }
    benchd::v1::PowerBatch& power = *chunk.mutable_power();
    power.set_channel(channel);
    power.add_t_ns(row[1].as<int64_t>());
    power.add_watts(row[2].as<double>());
  }
  if (chunk.has_power() && !flush()) return absl::OkStatus();
  for (const auto& row : rows.latency) {
    const int repeat = row[0].as<int>();
    if (chunk.has_latency() &&
        (chunk.latency().repeat() != repeat || chunk.latency().latency_us_size() >= kSamplesPerChunk)) {
      if (!flush()) return absl::OkStatus();
    }
    benchd::v1::LatencyBatch& latency = *chunk.mutable_latency();
    if (latency.latency_us_size() == 0) {
      latency.set_repeat(repeat);
      latency.set_first_index(row[1].as<int64_t>());
      latency.set_kind(static_cast<benchd::v1::LatencyKind>(row[2].as<int>()));
    }
    latency.add_t_ns(row[3].as<int64_t>());
    latency.add_latency_us(row[4].as<double>());
  }
  if (chunk.has_latency()) flush();
  return absl::OkStatus();
}

absl::StatusOr<int64_t> PgStore::CountLatencySamples(int64_t run_id) {
  return Transact(*pool_, fmt::format("count latency samples of run {}", run_id),
                  [&](pqxx::work& tx) -> absl::StatusOr<int64_t> {
                    const pqxx::row row = tx.exec_prepared1(sql::kCountLatencySamples, run_id);
                    if (!row[0].as<bool>()) return absl::NotFoundError("no such run");
                    return row[1].as<int64_t>();
                  });
}

}  // namespace benchd::daemon
