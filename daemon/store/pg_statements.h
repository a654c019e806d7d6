#pragma once

// Every SQL statement PgStore runs, by name. The statements live in one table
// (pg_statements.cc) and are prepared on each pooled connection; callers run
// them with `tx.exec_prepared(kName, args...)`, so values always travel as
// parameters and never inside SQL text. Internal to daemon/store.

#include <cstdint>
#include <pqxx/connection>
#include <pqxx/transaction>
#include <string>
#include <vector>

namespace benchd::daemon::sql {

// Sweeps and experiments.
inline constexpr char kInsertSweep[] = "insert_sweep";
inline constexpr char kInsertRunSettings[] = "insert_run_settings";
inline constexpr char kReserveExperimentIds[] = "reserve_experiment_ids";
inline constexpr char kSweepById[] = "sweep_by_id";
inline constexpr char kAllSweeps[] = "all_sweeps";
inline constexpr char kSweepExists[] = "sweep_exists";
inline constexpr char kExperimentsOfSweep[] = "experiments_of_sweep";
inline constexpr char kResultsOfSweep[] = "results_of_sweep";
inline constexpr char kMetricsOfRuns[] = "metrics_of_runs";
inline constexpr char kSucceededPointKeys[] = "succeeded_point_keys";
inline constexpr char kRequeueFailed[] = "requeue_failed";
inline constexpr char kSweepCancelled[] = "sweep_cancelled";
inline constexpr char kLockSweepForCancel[] = "lock_sweep_for_cancel";
inline constexpr char kCancelSweep[] = "cancel_sweep";
inline constexpr char kCancelSweepRuns[] = "cancel_sweep_runs";
inline constexpr char kCancelSweepExperiments[] = "cancel_sweep_experiments";

// Agents and devices.
inline constexpr char kUpsertAgent[] = "upsert_agent";
inline constexpr char kUpsertDevices[] = "upsert_devices";
inline constexpr char kDeleteOtherDevices[] = "delete_other_devices";
inline constexpr char kDisconnectAgent[] = "disconnect_agent";
inline constexpr char kTouchAgent[] = "touch_agent";
inline constexpr char kExtendAgentLeases[] = "extend_agent_leases";
inline constexpr char kAllAgents[] = "all_agents";
inline constexpr char kAllDevices[] = "all_devices";
inline constexpr char kDeviceHealth[] = "device_health";
inline constexpr char kSetAgentDraining[] = "set_agent_draining";
inline constexpr char kSetDeviceEnabled[] = "set_device_enabled";
inline constexpr char kRecoverDevice[] = "recover_device";
inline constexpr char kDeviceExists[] = "device_exists";
inline constexpr char kDeviceRunFailed[] = "device_run_failed";

// Claims and leases.
inline constexpr char kWorkGroups[] = "work_groups";
inline constexpr char kClaimForDevices[] = "claim_for_devices";
inline constexpr char kLoseAgentRuns[] = "lose_agent_runs";
inline constexpr char kLoseExpiredRuns[] = "lose_expired_runs";

// Report ingestion.
inline constexpr char kLockRuns[] = "lock_runs";
inline constexpr char kRunEventExists[] = "run_event_exists";
inline constexpr char kLedgerReports[] = "ledger_reports";
inline constexpr char kRenewRunLeases[] = "renew_run_leases";
inline constexpr char kWriteRuns[] = "write_runs";
inline constexpr char kRunTraceHeader[] = "run_trace_header";
inline constexpr char kRunPowerSamples[] = "run_power_samples";
inline constexpr char kRunLatencySamples[] = "run_latency_samples";
inline constexpr char kInsertRunMetric[] = "insert_run_metric";
inline constexpr char kFailRun[] = "fail_run";
inline constexpr char kFinishFailedAttempt[] = "finish_failed_attempt";
inline constexpr char kExperimentAttempts[] = "experiment_attempts";
inline constexpr char kCountLatencySamples[] = "count_latency_samples";

inline constexpr char kInsertEvent[] = "insert_event";
inline constexpr char kListEvents[] = "list_events";

struct Statement {
  const char* name;
  std::string text;
};

// The table itself.
const std::vector<Statement>& Statements();

// Registers every statement on `connection` (libpqxx prepares each on first
// use, so this is cheap and works before the schema exists).
void PrepareAll(pqxx::connection& connection);

// As PrepareAll, for the connections that run claims, report ingestion,
// lease renewal and expiry, whose statements touch a few rows each, found by
// key: sequential scans are priced out on them. Their plans are cached per
// connection and made the first time they run, which may be while the
// tables are still empty, when a sequential scan looks cheapest; that plan
// would stay as the tables grow (PostgreSQL replans after an ANALYZE, which
// autovacuum runs minutes later). Without it, dispatching a first sweep of
// 20,000 no-op experiments spent most of the server's time scanning `runs`.
// Their plans are also always generic: PostgreSQL otherwise replans a
// statement on every call whenever its generic plan looks dearer than the
// custom ones, which it did for the run lock and the successes' statement
// (a generic plan guesses the arrays' sizes and spans every partition of
// `experiments`, pruning them at run time). Planning
// the run lock and the successes' statement cost more than running them
// (0.13 and 0.39 ms against 0.03 and 0.15; pg_stat_statements with
// track_planning, one device: dispatch 430 -> 610 experiments/s).
// And JIT is off: a generic plan's row estimates are guesses, which with
// many partitions pushed the claim's cost past jit_above_cost, and compiling
// it took ~1 s per claim (auto_explain: "JIT: Functions: 171").
void PrepareForKeyLookups(pqxx::connection& connection);

// COPY targets: a table and its column list. The experiments columns are in
// the order PgStore::CreateSweep writes its COPY lines.
struct CopyTarget {
  const char* table;
  std::vector<std::string> columns;
};
const CopyTarget& ExperimentsCopy();
const CopyTarget& LatencySamplesCopy();
const CopyTarget& PowerSamplesCopy();

// A sweep's own experiments table (migration 0007): `table` holds the ids
// [first_id, end_id). Created empty without indexes, so COPY only appends;
// its indexes are built after the COPY, each in one sorted pass, and must
// match the partitioned indexes of `experiments` one for one, or attaching
// it would build them a second time (sweep_store_test checks).
// These are DDL, which cannot take parameters: the names and ids are ours.
std::string CreateSweepPart(const std::string& table, int64_t first_id, int64_t end_id);
std::vector<std::string> IndexSweepPart(const std::string& table);
std::string AttachSweepPart(const std::string& table, int64_t first_id, int64_t end_id);
// The id-range check that let the attach skip scanning the table, now
// redundant with the partition bound.
std::string DropSweepPartCheck(const std::string& table);
// Records / forgets a part filled and committed by a second connection
// before the sweep's transaction attaches it; $1 table name.
inline constexpr char kStageSweepPart[] = "stage_sweep_part";
inline constexpr char kUnstageSweepPart[] = "unstage_sweep_part";
// Staged parts that are not partitions: those named in $1 (text[], the
// parts of a sweep whose transaction failed) and those older than $2
// seconds (left by a coordinator that died between the two commits).
inline constexpr char kAbandonedSweepParts[] = "abandoned_sweep_parts";

}  // namespace benchd::daemon::sql
