// PgStore: idempotent ingestion of agent reports, the reports of all agents
// that arrived together in one transaction.

#include "common/status_util.h"
#include "daemon/store/pg_claims.h"
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

std::string Describe(const std::vector<const AgentReports*>& batches) {
  if (batches.size() == 1) {
    const std::vector<Report>& reports = batches[0]->reports;
    return reports.size() == 1
               ? fmt::format("ingest report run={} seq={}", reports[0].run_id(), reports[0].seq())
               : fmt::format("ingest {} reports of agent '{}'", reports.size(), batches[0]->agent_name);
  }
  size_t reports = 0;
  for (const AgentReports* batch : batches) reports += batch->reports.size();
  return fmt::format("ingest {} reports of {} agents", reports, batches.size());
}

absl::Status ValidateReports(const std::vector<Report>& reports) {
  for (const Report& report : reports) {
    BENCHD_RETURN_IF_ERROR(common::WithContext(
        ValidateReport(report), fmt::format("ingest report run={} seq={}", report.run_id(), report.seq())));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<IngestResult> PgStore::IngestReport(const std::string& agent_name, const Report& report) {
  BENCHD_ASSIGN_OR_RETURN(std::vector<IngestResult> results, IngestReports(agent_name, {report}));
  return std::move(results.front());
}

absl::StatusOr<std::vector<IngestResult>> PgStore::IngestReports(const std::string& agent_name,
                                                                 const std::vector<Report>& reports) {
  return std::move(IngestReportsOfAgents({{agent_name, reports}}).results.front());
}

IngestedBatches PgStore::IngestReportsOfAgents(const std::vector<AgentReports>& batches,
                                               const ClaimsAfterIngest& claims_after) {
  IngestedBatches ingested;
  ingested.results.assign(batches.size(), std::vector<IngestResult>{});
  std::vector<const AgentReports*> valid;
  std::vector<size_t> valid_index;
  for (size_t i = 0; i < batches.size(); ++i) {
    if (absl::Status status = ValidateReports(batches[i].reports); !status.ok()) {
      ingested.results[i] = status;
    } else if (!batches[i].reports.empty()) {
      valid.push_back(&batches[i]);
      valid_index.push_back(i);
    }
  }
  if (valid.empty()) return ingested;
  try {
    std::vector<std::vector<IngestResult>> stored;
    absl::Status status = IngestInOneTransaction(valid, claims_after, stored, ingested.claims);
    if (status.ok()) {
      for (size_t k = 0; k < valid.size(); ++k) ingested.results[valid_index[k]] = std::move(stored[k]);
      ingested.claimed = static_cast<bool>(claims_after);
      return ingested;
    }
    ingested.claims.clear();
    if (valid.size() == 1 && !claims_after) {
      ingested.results[valid_index[0]] = status;
      return ingested;
    }
    // The transaction failed: each agent's reports in a transaction of
    // their own and without claims (left to the scheduler), so that one
    // agent's trouble, or the claims', stays its own.
    std::vector<ClaimOutcome> no_claims;
    for (size_t k = 0; k < valid.size(); ++k) {
      status = IngestInOneTransaction({valid[k]}, {}, stored, no_claims);
      ingested.results[valid_index[k]] = status.ok()
                                             ? absl::StatusOr<std::vector<IngestResult>>(std::move(stored[0]))
                                             : absl::StatusOr<std::vector<IngestResult>>(status);
    }
  } catch (const std::exception& error) {
    const absl::Status failed = absl::InternalError(fmt::format("ingest reports: {}", error.what()));
    for (size_t index : valid_index) {
      if (ingested.results[index].ok() && ingested.results[index]->empty()) ingested.results[index] = failed;
    }
    ingested.claimed = false;
    ingested.claims.clear();
  }
  return ingested;
}

absl::Status PgStore::IngestInOneTransaction(const std::vector<const AgentReports*>& batches,
                                             const ClaimsAfterIngest& claims_after,
                                             std::vector<std::vector<IngestResult>>& results,
                                             std::vector<ClaimOutcome>& claims) {
  return Transact(*dispatch_pool_, Describe(batches), [&](pqxx::work& tx) -> absl::Status {
    // The body may run again (a deadlock, a lost connection): start afresh.
    results.assign(batches.size(), {});
    claims.clear();
    std::vector<IngestItem> items;
    for (size_t i = 0; i < batches.size(); ++i) {
      const AgentReports& batch = *batches[i];
      results[i].resize(batch.reports.size());
      for (size_t j = 0; j < batch.reports.size(); ++j) {
        items.push_back({&batch.agent_name, &batch.reports[j], &results[i][j]});
      }
    }
    IngestBatch(tx, items, options_);
    if (!claims_after) return absl::OkStatus();
    const std::vector<ClaimRequest> requests = claims_after(batches, results);
    if (requests.empty()) return absl::OkStatus();
    BENCHD_ASSIGN_OR_RETURN(claims, ClaimInTransaction(tx, requests));
    return absl::OkStatus();
  });
}

}  // namespace benchd::daemon
