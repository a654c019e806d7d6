// PgStore: idempotent ingestion of agent reports, the reports of all agents
// that arrive together in one transaction (group_commit.h).

#include "common/status_util.h"
#include "daemon/store/pg_connection_pool.h"
#include "daemon/store/pg_ingest_batch.h"
#include "daemon/store/pg_store.h"
#include "daemon/store/pg_transact.h"
#include "spdlog/fmt/fmt.h"

namespace benchd::daemon {
namespace {

using benchd::v1::Report;

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

std::string Describe(const std::vector<PgStore::IngestGroup::Item*>& unit) {
  if (unit.size() == 1) {
    const PgStore::AgentReports& batch = unit[0]->request;
    const std::vector<Report>& reports = *batch.reports;
    return reports.size() == 1
               ? fmt::format("ingest report run={} seq={}", reports[0].run_id(), reports[0].seq())
               : fmt::format("ingest {} reports of agent '{}'", reports.size(), *batch.agent_name);
  }
  size_t reports = 0;
  for (const auto* item : unit) reports += item->request.reports->size();
  return fmt::format("ingest {} reports of {} agents", reports, unit.size());
}

}  // namespace

absl::StatusOr<IngestResult> PgStore::IngestReport(const std::string& agent_name, const Report& report) {
  BENCHD_ASSIGN_OR_RETURN(std::vector<IngestResult> results, IngestReports(agent_name, {report}));
  return std::move(results.front());
}

absl::StatusOr<std::vector<IngestResult>> PgStore::IngestReports(const std::string& agent_name,
                                                                 const std::vector<Report>& reports) {
  for (const Report& report : reports) {
    BENCHD_RETURN_IF_ERROR(common::WithContext(
        ValidateReport(report), fmt::format("ingest report run={} seq={}", report.run_id(), report.seq())));
  }
  if (reports.empty()) return std::vector<IngestResult>{};
  return ingest_group_->Run({&agent_name, &reports});
}

absl::Status PgStore::IngestInOneTransaction(const std::vector<IngestGroup::Item*>& unit) {
  std::vector<std::vector<IngestResult>> results;
  absl::Status status = Transact(*dispatch_pool_, Describe(unit), [&](pqxx::work& tx) -> absl::Status {
    // The body may run again (a deadlock, a lost connection): start afresh.
    results.assign(unit.size(), {});
    std::vector<IngestItem> items;
    for (size_t i = 0; i < unit.size(); ++i) {
      const AgentReports& batch = unit[i]->request;
      results[i].resize(batch.reports->size());
      for (size_t j = 0; j < batch.reports->size(); ++j) {
        items.push_back({batch.agent_name, &(*batch.reports)[j], &results[i][j]});
      }
    }
    IngestBatch(tx, items, options_);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  for (size_t i = 0; i < unit.size(); ++i) unit[i]->result = std::move(results[i]);
  return absl::OkStatus();
}

void PgStore::IngestGroupOfAgents(const std::vector<IngestGroup::Item*>& unit) {
  try {
    if (unit.size() > 1 && IngestInOneTransaction(unit).ok()) return;
    // Alone, or the shared transaction failed: each agent's reports in a
    // transaction of their own, so that one agent's trouble stays its own.
    for (IngestGroup::Item* item : unit) {
      if (absl::Status status = IngestInOneTransaction({item}); !status.ok()) item->result = status;
    }
  } catch (const std::exception& error) {
    for (IngestGroup::Item* item : unit) {
      if (!item->result) item->result = absl::InternalError(fmt::format("ingest reports: {}", error.what()));
    }
  }
}

}  // namespace benchd::daemon
