#pragma once

// `Store` on PostgreSQL through libpqxx; the only code in benchd that speaks
// SQL. This header is free of libpqxx so that the daemon does not see it.
//
// Thread-safety: as `Store`; calls share a pool of `pool_size` connections
// (and three more for claims, reports and leases) and block while all are in
// use.
// Lifetime: construct, then `Open()` once before any other call.
// Failure codes: as `Store`, plus ALREADY_EXISTS for a unique-key violation.
// IngestReport returns INVALID_ARGUMENT for a malformed report (no body, seq
// below 1, a sample batch whose arrays differ in length) rather than
// rejecting it: the run is fine, the agent is not.

#include <memory>
#include <string>

#include "daemon/store/retry_policy.h"
#include "daemon/store/store.h"

namespace benchd::daemon {

class ConnectionPool;

struct PgStoreOptions {
  // A libpq connection string ("host=... port=... dbname=... user=...") or URI.
  std::string dsn;
  // The daemon sizes its blocking executor to this.
  int pool_size = 4;
  // This many consecutive infrastructure failures quarantine a device.
  int quarantine_after = 3;
  RetryOptions retry{};
  // A sweep with at least this many experiments is stored in two tables of
  // its own, filled over two connections at once; smaller ones go into the
  // shared partition (CreateSweep, migration 0007). Tests lower it to cover
  // that path.
  size_t parallel_store_from = 100'000;
};

class PgStore final : public Store {
 public:
  explicit PgStore(PgStoreOptions options);
  ~PgStore() override;
  PgStore(const PgStore&) = delete;
  PgStore& operator=(const PgStore&) = delete;

  // Connects and applies the embedded schema migrations (idempotent; safe
  // with several daemons starting at once).
  // Errors: UNAVAILABLE when the server cannot be reached;
  // FAILED_PRECONDITION when the schema is newer than this binary.
  [[nodiscard]] absl::Status Open();

  [[nodiscard]] absl::StatusOr<int64_t> CreateSweep(const NewSweep& sweep) override;
  [[nodiscard]] absl::StatusOr<benchd::v1::Sweep> GetSweep(int64_t sweep_id) override;
  [[nodiscard]] absl::StatusOr<std::vector<std::string>> SucceededPointKeys(int64_t sweep_id) override;
  [[nodiscard]] absl::StatusOr<int64_t> RequeueFailed(int64_t sweep_id) override;
  [[nodiscard]] absl::StatusOr<std::vector<benchd::v1::Sweep>> ListSweeps() override;
  // throughput_per_min: experiments finished (succeeded or failed) in the
  // last 5 minutes, per minute; the window starts later when the runs active
  // in those minutes started later (the sweep began, or resumed after a
  // stall). eta_ms = the work devices in service can take (pending -
  // unschedulable - blocked + running) / throughput; before the window holds
  // a second, the mean duration of finished runs x that work / devices that
  // ran any of its experiments; 0 until a run has finished, and when none of
  // the work can run. `unschedulable` and `blocked` are decided per run
  // settings and platform, and per pending experiment only where devices
  // narrowed by domains or required parameters decide.
  [[nodiscard]] absl::StatusOr<benchd::v1::SweepProgress> GetProgress(int64_t sweep_id) override;
  [[nodiscard]] absl::StatusOr<std::vector<benchd::v1::Experiment>> ListExperiments(int64_t sweep_id,
                                                                                    const Page& page = {}) override;
  [[nodiscard]] absl::StatusOr<std::vector<benchd::v1::Result>> QueryResults(int64_t sweep_id,
                                                                            const Page& page = {}) override;

  [[nodiscard]] absl::StatusOr<RequeueResult> RegisterAgent(
      const benchd::v1::Hello& hello) override;
  [[nodiscard]] absl::Status MarkAgentDisconnected(const std::string& agent_name) override;
  [[nodiscard]] absl::StatusOr<std::vector<int64_t>> RecordHeartbeat(
      const std::string& agent_name, const std::vector<int64_t>& active_run_ids,
      std::chrono::milliseconds lease) override;
  [[nodiscard]] absl::StatusOr<std::vector<benchd::v1::Agent>> ListAgents() override;

  [[nodiscard]] absl::StatusOr<std::vector<WorkGroup>> LoadWorkGroups() override;
  [[nodiscard]] absl::StatusOr<std::vector<DeviceHealth>> LoadDeviceHealth() override;
  [[nodiscard]] absl::StatusOr<std::vector<ClaimOutcome>> ClaimBatch(
      const std::vector<ClaimRequest>& requests) override;
  [[nodiscard]] absl::StatusOr<RequeueResult> ExpireLeases() override;

  [[nodiscard]] absl::StatusOr<IngestResult> IngestReport(
      const std::string& agent_name, const benchd::v1::Report& report) override;
  [[nodiscard]] absl::StatusOr<std::vector<IngestResult>> IngestReports(
      const std::string& agent_name, const std::vector<benchd::v1::Report>& reports) override;
  [[nodiscard]] IngestedBatches IngestReportsOfAgents(const std::vector<AgentReports>& batches,
                                                      const ClaimsAfterIngest& claims_after = {}) override;
  [[nodiscard]] absl::Status ReadRunTrace(int64_t run_id,
                                          const std::function<bool(benchd::v1::RunTraceChunk)>& sink) override;
  [[nodiscard]] absl::StatusOr<int64_t> CountLatencySamples(int64_t run_id) override;

  [[nodiscard]] absl::StatusOr<CancelResult> CancelSweep(int64_t sweep_id) override;
  [[nodiscard]] absl::StatusOr<int64_t> SetAgentDraining(const std::string& agent_name, bool draining) override;
  [[nodiscard]] absl::Status SetDeviceEnabled(const std::string& agent_name, const std::string& device_name,
                                              bool enabled) override;
  [[nodiscard]] absl::StatusOr<bool> RecordHealthCheck(const std::string& agent_name,
                                                       const std::string& device_name, bool healthy,
                                                       const std::string& detail) override;
  [[nodiscard]] absl::StatusOr<std::vector<benchd::v1::Event>> ListEvents(const EventFilter& filter) override;


 private:
  // Stores the batches in one transaction, and makes the claims
  // `claims_after` asks for (if set) in it; fills `results` (one per batch)
  // and `claims`.
  [[nodiscard]] absl::Status IngestInOneTransaction(const std::vector<const AgentReports*>& batches,
                                                    const ClaimsAfterIngest& claims_after,
                                                    std::vector<std::vector<IngestResult>>& results,
                                                    std::vector<ClaimOutcome>& claims);

  // A table staged by a second connection for a sweep and not attached
  // within this long was left by a coordinator that died; Open drops it.
  static constexpr int64_t kStagedPartMaxAgeS = 3600;

  // Drops the staged sweep tables in `tables` and those older than
  // `older_than_s` that are not partitions of `experiments`.
  [[nodiscard]] absl::Status DropAbandonedSweepParts(const std::vector<std::string>& tables,
                                                     int64_t older_than_s);

  // Claims, report ingestion and leases: one ingest transaction, one
  // scheduling pass and a heartbeat at a time, on connections
  // planned for key lookups (sql::PrepareForKeyLookups).
  static constexpr int kDispatchPoolSize = 3;

  const PgStoreOptions options_;
  std::unique_ptr<ConnectionPool> pool_;
  std::unique_ptr<ConnectionPool> dispatch_pool_;
};

}  // namespace benchd::daemon
