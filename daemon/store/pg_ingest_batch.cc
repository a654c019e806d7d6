#include "daemon/store/pg_ingest_batch.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <utility>

#include "common/proto_json.h"
#include "daemon/store/pg_report_writers.h"
#include "daemon/store/pg_rows.h"
#include "daemon/store/pg_statements.h"
#include "nlohmann/json.hpp"
#include "spdlog/fmt/fmt.h"

namespace benchd::daemon {
namespace {

using benchd::v1::Report;
using ReportKey = std::pair<int64_t, int64_t>;  // run id, seq

const char* KindOf(const Report& report) {
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

bool Active(const LockedRun& run) { return run.state == "assigned" || run.state == "running"; }

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

IngestResult RejectAndRecord(pqxx::work& tx, const LockedRun& run, std::string reason) {
  RecordRejection(tx, run, reason);
  return Rejected(std::move(reason));
}

// The JSON texts handed to jsonb_to_recordset. JSON has no NaN or
// infinities; as strings, float8's input function reads them back.
nlohmann::json Real(double value) {
  if (std::isfinite(value)) return value;
  if (std::isnan(value)) return "NaN";
  return value > 0 ? "Infinity" : "-Infinity";
}

nlohmann::json OptionalReal(const std::optional<double>& value) { return value ? Real(*value) : nullptr; }

// A figure of the run's summary: NULL when the run did not report it.
nlohmann::json Figure(bool present, double value) { return present ? Real(value) : nullptr; }

template <typename T>
nlohmann::json OptionalValue(const std::optional<T>& value) {
  return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

// The event of a successful run, with the figures it reported, rounded for
// reading (the run's row keeps them exact).
std::string SuccessMessage(int64_t run_id, const benchd::v1::RunSummary& summary) {
  std::string message = fmt::format("run {} succeeded: {} inferences", run_id, summary.inferences());
  if (summary.latency().has_mean_us()) message += fmt::format(", mean {:.1f} us", summary.latency().mean_us());
  if (summary.has_fps()) message += fmt::format(", {:.1f} fps", summary.fps());
  return message;
}

std::vector<int64_t> SortedUnique(std::vector<int64_t> values) {
  std::sort(values.begin(), values.end());
  values.erase(std::unique(values.begin(), values.end()), values.end());
  return values;
}

std::string RecordsText(const nlohmann::json& records) {
  return records.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// A run's start, as a RunStarted of the batch reported it.
struct RunStart {
  std::optional<int64_t> started_at;
  // The run's first start (it was assigned): sets its start time and is
  // logged; a later one (the agent started the run over) renews the lease.
  bool first = false;
};

// Locks the batch's runs and reads which of the batch's (run, seq) the
// ledger holds (stored by earlier transactions; the locks keep the answer
// true until commit) into `stored`.
std::map<int64_t, LockedRun> LockRuns(pqxx::work& tx, const std::vector<IngestItem>& items,
                                      std::set<ReportKey>& stored) {
  std::vector<int64_t> ids, seqs;
  std::set<ReportKey> asked;
  for (const IngestItem& item : items) {
    ids.push_back(item.report->run_id());
    seqs.push_back(item.report->seq());
    asked.emplace(item.report->run_id(), item.report->seq());
  }
  std::map<int64_t, LockedRun> runs;
  for (const auto& row : tx.exec_prepared(sql::kLockRuns, Int64ArrayText(SortedUnique(std::move(ids))),
                                          Int64ArrayText(SortedUnique(std::move(seqs))))) {
    // Of the seqs asked about for any run, those this run's ledger holds.
    const int64_t run_id = row[0].as<int64_t>();
    for (int64_t seq : Int64ArrayFromField(row[8])) {
      if (asked.count({run_id, seq})) stored.emplace(run_id, seq);
    }
    LockedRun run{.id = run_id,
                  .agent = row[1].as<std::string>(),
                  .state = row[2].as<std::string>(),
                  .experiment_id = row[3].as<int64_t>(),
                  .sweep_id = row[4].as<int64_t>(),
                  .device = row[5].as<std::string>(),
                  .attempt = row[6].as<int>(),
                  .current_attempt = row[7].as<int>()};
    runs.emplace(run.id, std::move(run));
  }
  return runs;
}

// The ledger rows of a batch's accepted reports.
struct LedgerRows {
  std::vector<int64_t> run_ids, seqs;
  std::vector<std::string> kinds;
};

// The runs a batch starts and the successful RunFinished reports, written
// by one statement with the batch's ledger (sql::kWriteRuns).
class RunWrites {
 public:
  void AddStart(const LockedRun& run, const RunStart& start) {
    run_ids_.push_back(run.id);
    records_.push_back({{"run_id", run.id},
                        {"ord", records_.size()},
                        {"finished", false},
                        {"start", start.first},
                        {"started_at", OptionalValue(start.started_at)},
                        {"sweep_id", run.sweep_id},
                        {"experiment_id", run.experiment_id},
                        {"agent", run.agent},
                        {"device", run.device}});
  }

  // `start`: the run's start, when this batch started it and it is written
  // with the finish rather than by a record of its own.
  void AddSuccess(const LockedRun& run, const benchd::v1::RunFinished& done, const std::optional<RunStart>& start) {
    run_ids_.push_back(run.id);
    experiment_ids_.push_back(run.experiment_id);
    const auto& summary = done.summary();
    const auto& latency = summary.latency();
    const MeasurementColumns measured = MeasurementColumns::Of(summary);
    const std::optional<std::string> config_key = EnvironmentEntry(done.environment(), "config_key");
    records_.push_back({
        {"run_id", run.id},
        {"ord", records_.size()},
        {"finished", true},
        {"finished_at", OptionalValue(MicrosFromTimestamp(done.finished_at()))},
        {"environment", JsonText(common::EnvironmentToJson(done.environment()))},
        {"latency_kind", static_cast<int>(summary.latency_kind())},
        {"latency_count", latency.count()},
        {"mean_us", Figure(latency.has_mean_us(), latency.mean_us())},
        {"std_us", Figure(latency.has_std_us(), latency.std_us())},
        {"min_us", Figure(latency.has_min_us(), latency.min_us())},
        {"max_us", Figure(latency.has_max_us(), latency.max_us())},
        {"median_us", Figure(latency.has_median_us(), latency.median_us())},
        {"p90_us", Figure(latency.has_p90_us(), latency.p90_us())},
        {"p95_us", Figure(latency.has_p95_us(), latency.p95_us())},
        {"p99_us", Figure(latency.has_p99_us(), latency.p99_us())},
        {"ci95_low_us", Figure(latency.has_ci95_low_us(), latency.ci95_low_us())},
        {"ci95_high_us", Figure(latency.has_ci95_high_us(), latency.ci95_high_us())},
        {"fps", Figure(summary.has_fps(), summary.fps())},
        {"gops", Figure(summary.has_gops(), summary.gops())},
        {"inferences", summary.inferences()},
        {"config_key", config_key ? nlohmann::json(SanitizeText(*config_key)) : nlohmann::json(nullptr)},
        {"agent", run.agent},
        {"device", run.device},
        {"sweep_id", run.sweep_id},
        {"experiment_id", run.experiment_id},
        {"message", SuccessMessage(run.id, summary)},
        {"base_w", OptionalReal(measured.base_w)},
        {"idle_w", OptionalReal(measured.idle_w)},
        {"full_w", OptionalReal(measured.full_w)},
        {"energy_j", OptionalReal(measured.energy)},
        {"dynamic_energy_j", OptionalReal(measured.dynamic_energy)},
        {"repeat_count", OptionalValue(measured.repeat_count)},
        {"warnings", measured.warnings},
        {"measurement", measured.json},
        {"start", start.has_value() && start->first},
        {"started_at", start ? OptionalValue(start->started_at) : nullptr},
    });
  }

  bool empty() const { return records_.empty(); }

  // `ledger`: the batch's ledger rows, written by the same statement.
  void Flush(pqxx::work& tx, const LedgerRows& ledger = {}) {
    if (records_.empty()) return;
    std::optional<int64_t> least, greatest;
    if (!experiment_ids_.empty()) {
      const auto [min, max] = std::minmax_element(experiment_ids_.begin(), experiment_ids_.end());
      least = *min;
      greatest = *max;
    }
    tx.exec_prepared(sql::kWriteRuns, RecordsText(records_), Int64ArrayText(run_ids_),
                     Int64ArrayText(experiment_ids_), least, greatest, Int64ArrayText(ledger.run_ids),
                     Int64ArrayText(ledger.seqs), TextArrayText(ledger.kinds));
    records_ = nlohmann::json::array();
    run_ids_.clear();
    experiment_ids_.clear();
  }

 private:
  nlohmann::json records_ = nlohmann::json::array();
  std::vector<int64_t> run_ids_, experiment_ids_;
};

// Decides every report's fate in order, against the locked runs, and lists
// what is to be written. Rejections are recorded as they are found.
class Batch {
 public:
  Batch(pqxx::work& tx, const PgStoreOptions& options) : tx_(tx), options_(options) {}

  void Run(const std::vector<IngestItem>& items) {
    runs_ = LockRuns(tx_, items, seen_);
    for (const IngestItem& item : items) Decide(item);
    Write();
  }

 private:
  struct Accepted {
    const IngestItem* item;
    LockedRun* run;
    // For a successful RunFinished: the run's start from this batch, not
    // yet written, which the finish writes.
    std::optional<RunStart> start{};
  };

  void Decide(const IngestItem& item) {
    const Report& report = *item.report;
    auto found = runs_.find(report.run_id());
    if (found == runs_.end()) {
      *item.result = Rejected(fmt::format("run {} does not exist", report.run_id()));
      return;
    }
    LockedRun& run = found->second;
    if (run.agent != *item.agent_name) {
      *item.result = Rejected(fmt::format("run {} belongs to agent '{}'", run.id, run.agent));
      return;
    }
    // Attempt 0 comes from an agent that predates fencing; the run id alone
    // then names the attempt.
    if (report.attempt() != 0 && report.attempt() != run.attempt) {
      *item.result = RejectAndRecord(tx_, run, fmt::format("the report names attempt {}, but run {} is attempt {}",
                                                           report.attempt(), run.id, run.attempt));
      return;
    }
    const ReportKey key{run.id, report.seq()};
    if (!Active(run)) {
      // A replay of a report stored before the run finished (its ack was
      // lost) must be acked, or the agent would keep it forever.
      *item.result = seen_.count(key) != 0
                         ? Duplicate()
                         : RejectAndRecord(tx_, run, fmt::format("run {} (attempt {}) is {}", run.id, run.attempt,
                                                                 run.state));
      return;
    }
    if (run.attempt != run.current_attempt) {
      *item.result = RejectAndRecord(tx_, run, fmt::format("attempt {} of experiment {} was superseded by attempt {}",
                                                           run.attempt, run.experiment_id, run.current_attempt));
      return;
    }
    if (!seen_.insert(key).second) {
      *item.result = Duplicate();
      return;
    }
    *item.result = IngestResult{};
    ledger_.run_ids.push_back(run.id);
    ledger_.seqs.push_back(report.seq());
    ledger_.kinds.push_back(KindOf(report));
    Accepted accepted{&item, &run};
    if (report.has_run_started()) {
      // One start per run is written; a second in the batch adds nothing.
      starts_.try_emplace(run.id, RunStart{MicrosFromTimestamp(report.run_started().started_at()),
                                           run.state == "assigned"});
      run.state = "running";
    } else if (report.has_run_finished()) {
      const bool succeeded = report.run_finished().succeeded();
      run.state = succeeded ? "succeeded" : "failed";
      // A short run's start and finish come together: one update of the
      // run instead of two.
      if (auto start = starts_.find(run.id); succeeded && start != starts_.end()) {
        accepted.start = start->second;
        starts_.erase(start);
      }
    }
    accepted_.push_back(std::move(accepted));
  }

  void Write() {
    if (ledger_.run_ids.empty()) return;
    // Starts first: a failure below is written after them.
    RunWrites writes;
    for (const auto& [run_id, start] : starts_) writes.AddStart(runs_.at(run_id), start);
    std::vector<int64_t> renew;
    for (const Accepted& accepted : accepted_) {
      const Report& report = *accepted.item->report;
      const LockedRun& run = *accepted.run;
      IngestResult& result = *accepted.item->result;
      switch (report.body_case()) {
        case Report::kLatencyBatch:
          CopyLatencySamples(tx_, run, report.latency_batch());
          break;
        case Report::kPowerBatch:
          CopyPowerSamples(tx_, run, report.power_batch());
          break;
        case Report::kLogLine:
          StoreLogLine(tx_, run, report.log_line());
          break;
        case Report::kRunFinished: {
          const benchd::v1::RunFinished& done = report.run_finished();
          result.finished_sweep_id = run.sweep_id;
          StoreReconfiguration(tx_, run, done.environment());
          if (done.succeeded()) {
            StoreRunMetrics(tx_, run, done.summary());
            writes.AddSuccess(run, done, accepted.start);
          } else {
            writes.Flush(tx_);
            result.device_quarantined = StoreRunFailed(tx_, run, done, options_);
          }
          break;
        }
        case Report::kRunStarted:
        case Report::BODY_NOT_SET:
          break;
      }
      // A report is a sign of life, as good as a heartbeat (starting renews
      // the lease itself; a finished run needs none).
      if (!report.has_run_started() && Active(run)) renew.push_back(run.id);
    }
    if (writes.empty()) {
      tx_.exec_prepared(sql::kLedgerReports, Int64ArrayText(ledger_.run_ids), Int64ArrayText(ledger_.seqs),
                        TextArrayText(ledger_.kinds));
    } else {
      writes.Flush(tx_, ledger_);
    }
    if (!renew.empty()) tx_.exec_prepared(sql::kRenewRunLeases, Int64ArrayText(SortedUnique(std::move(renew))));
  }

  pqxx::work& tx_;
  const PgStoreOptions& options_;
  std::map<int64_t, LockedRun> runs_;
  // Stored before, or accepted earlier in this batch.
  std::set<ReportKey> seen_;
  LedgerRows ledger_;
  // Starts not written with their run's finish.
  std::map<int64_t, RunStart> starts_;
  std::vector<Accepted> accepted_;
};

}  // namespace

void IngestBatch(pqxx::work& tx, const std::vector<IngestItem>& items, const PgStoreOptions& options) {
  if (items.empty()) return;
  Batch(tx, options).Run(items);
}

}  // namespace benchd::daemon
