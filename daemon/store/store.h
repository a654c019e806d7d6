#pragma once

// The coordinator's persistent state, as domain-level operations. `PgStore`
// (pg_store.h) is the only implementation and the only code that speaks SQL.
//
// Thread-safety: every method may be called from any thread; each call runs in
// its own transaction on a pooled connection.
// Failure codes: INVALID_ARGUMENT for requests that violate a constraint,
// NOT_FOUND for unknown ids, UNAVAILABLE when the database cannot be reached
// (after the pool's reconnect attempt), ABORTED when a serialization failure
// persists after retries, INTERNAL for anything else.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "benchd/v1/agent_service.pb.h"
#include "benchd/v1/common.pb.h"
#include "benchd/v1/coordinator_service.pb.h"

namespace benchd::daemon {

// One point of a sweep, ready to store.
struct NewExperiment {
  int ordinal = 0;
  std::string platform;
  benchd::v1::Parameters parameters;
  // The parameters as a JSON object, when the caller has rendered them
  // already (PlanSweep does, for speed); when empty, `parameters` is stored.
  std::string parameters_json;
  benchd::v1::RunSettings settings;
  int max_attempts = 3;
  // Canonical text of the parameters that force a device reconfiguration.
  std::string config_key;
  // Stable identity of the point across edits of the sweep file.
  std::string point_key;
  // Labels the experiment's device must carry.
  std::map<std::string, std::string> requires_labels;
};

struct NewSweep {
  std::string name;
  std::string yaml;
  std::vector<NewExperiment> experiments;
  int priority = 0;
  // The sweep this one resumes, if any.
  int64_t resumed_from = 0;
};

// A device as the scheduler sees it when looking for work.
struct DeviceSlot {
  std::string agent_name;
  std::string device_name;
  std::string platform;
};

// An experiment claimed for a device: a new run row (state ASSIGNED) exists.
struct Claim {
  int64_t run_id = 0;
  int64_t experiment_id = 0;
  int64_t sweep_id = 0;
  int attempt = 0;
  benchd::v1::Parameters parameters;
  // The parameters as a JSON object, when the caller has rendered them
  // already (PlanSweep does, for speed); when empty, `parameters` is stored.
  std::string parameters_json;
  benchd::v1::RunSettings settings;
  std::string config_key;
};

// Pending experiments of one sweep that share platform, configuration and
// required labels: the unit the scheduler ranks (scheduling_policy.h).
struct WorkGroup {
  int64_t sweep_id = 0;
  int priority = 0;
  std::string platform;
  std::string config_key;
  // The group's run settings (run_settings.id), which hold its required
  // labels; claims match on it.
  int64_t settings_id = 0;
  std::map<std::string, std::string> requires_labels;
  int64_t pending = 0;
  // The sweep's block of experiment ids [first_id, end_id): claims name it,
  // so that the store reads only the sweep's partitions.
  int64_t first_id = 0;
  int64_t end_id = 0;
};

// One free device and the groups to try for it, best first.
struct ClaimRequest {
  DeviceSlot slot;
  std::vector<const WorkGroup*> groups;
  // The device's parameter domains as jsonb text ({"param": ["v", ...]}).
  std::string domains_json = "{}";
  std::chrono::milliseconds lease{0};
  // Parameters the device's driver needs (Device.required_parameters).
  std::vector<std::string> required_parameters{};
};

struct ClaimOutcome {
  std::optional<Claim> claim;
  // Groups that had nothing this device could take now.
  std::vector<const WorkGroup*> came_up_empty;
};

// What the scheduler needs to know about a device of a connected agent
// besides what its session knows.
struct DeviceHealth {
  std::string agent_name{};
  std::string device_name{};
  bool enabled = true;
  bool quarantined = false;
  bool agent_draining = false;
  bool has_health_check = false;
  std::string domains_json = "{}";
  std::vector<std::string> required_parameters{};
  // Its probe failed when its agent started: no work, and a health check
  // (a new probe) is due whether or not it has a check command.
  bool unavailable = false;
};

struct StoppedRun {
  int64_t run_id = 0;
  std::string agent_name;
  std::string device_name;
};

struct CancelResult {
  int64_t cancelled_pending = 0;
  std::vector<StoppedRun> stopped;
};

// Part of a sweep's experiments or results: those after experiment
// `after_id`, at most `limit` (0: all).
struct Page {
  int64_t after_id = 0;
  int limit = 0;
};

struct EventFilter {
  int64_t sweep_id = 0;
  int64_t run_id = 0;
  std::string agent{};
  std::string device{};
  std::string kind{};
  int64_t after_id = 0;
  int limit = 100;
};

// What happened when a report was ingested.
enum class IngestOutcome {
  kStored,     // committed now
  kDuplicate,  // (run_id, seq) was stored before; nothing changed
  kRejected,   // the run is not active for this agent (lost, finished, unknown)
};

struct IngestResult {
  IngestOutcome outcome = IngestOutcome::kStored;
  std::string reason;  // why, for kRejected
  // Set when a RunFinished was stored: the experiment's sweep, so callers can
  // notify watchers, and whether the device is free again.
  std::optional<int64_t> finished_sweep_id;
  // The RunFinished put its device in quarantine.
  bool device_quarantined = false;
};

// The reports one agent sent, in order, for IngestReportsOfAgents.
struct AgentReports {
  const std::string& agent_name;
  const std::vector<benchd::v1::Report>& reports;
};

// Called inside an ingest transaction with the batches it stored (the valid
// ones, in order: pointers into the vector IngestReportsOfAgents was given)
// and their results; returns the claims to make in it.
// May be called again if the transaction is rerun.
using ClaimsAfterIngest = std::function<std::vector<ClaimRequest>(
    const std::vector<const AgentReports*>& batches, const std::vector<std::vector<IngestResult>>& results)>;

struct IngestedBatches {
  // One per batch, in order.
  std::vector<absl::StatusOr<std::vector<IngestResult>>> results;
  // Whether the transaction that committed made the claims `claims_after`
  // last returned (it did not when that transaction failed and each agent's
  // reports were stored alone); `claims` are their outcomes.
  bool claimed = false;
  std::vector<ClaimOutcome> claims;
};

// Runs that were in flight for an agent and are now lost, with the sweeps
// they belong to (for notifying watchers).
struct RequeueResult {
  std::vector<int64_t> lost_run_ids;
  std::vector<int64_t> sweep_ids;
};

class Store {
 public:
  virtual ~Store() = default;

  // Stores the sweep and all its experiments in one transaction, pending.
  [[nodiscard]] virtual absl::StatusOr<int64_t> CreateSweep(const NewSweep& sweep) = 0;
  [[nodiscard]] virtual absl::StatusOr<benchd::v1::Sweep> GetSweep(int64_t sweep_id) = 0;
  [[nodiscard]] virtual absl::StatusOr<std::vector<benchd::v1::Sweep>> ListSweeps() = 0;
  [[nodiscard]] virtual absl::StatusOr<benchd::v1::SweepProgress> GetProgress(int64_t sweep_id) = 0;
  // The sweep's experiments in id order (the order they were expanded in),
  // those of `page`.
  [[nodiscard]] virtual absl::StatusOr<std::vector<benchd::v1::Experiment>> ListExperiments(
      int64_t sweep_id, const Page& page = {}) = 0;
  // The successful run of each succeeded experiment of the sweep, in
  // experiment id order, those of `page`.
  [[nodiscard]] virtual absl::StatusOr<std::vector<benchd::v1::Result>> QueryResults(
      int64_t sweep_id, const Page& page = {}) = 0;

  // Records the agent and its devices (upserting by name), marks it
  // connected, and marks lost every unfinished run assigned to it whose id is
  // not in `hello.active_runs`, requeueing their experiments (attempt counted;
  // failed when the retry limit is reached).
  [[nodiscard]] virtual absl::StatusOr<RequeueResult> RegisterAgent(
      const benchd::v1::Hello& hello) = 0;
  [[nodiscard]] virtual absl::Status MarkAgentDisconnected(const std::string& agent_name) = 0;
  // Extends the leases of the agent's listed runs that are still active to
  // now + `lease` (but never past start + timeout + `lease`, so a run that
  // overstays its timeout is lost even if its agent keeps renewing); returns
  // the runs renewed.
  [[nodiscard]] virtual absl::StatusOr<std::vector<int64_t>> RecordHeartbeat(
      const std::string& agent_name, const std::vector<int64_t>& active_run_ids,
      std::chrono::milliseconds lease) = 0;
  [[nodiscard]] virtual absl::StatusOr<std::vector<benchd::v1::Agent>> ListAgents() = 0;

  // Pending work of sweeps that are not cancelled, grouped.
  [[nodiscard]] virtual absl::StatusOr<std::vector<WorkGroup>> LoadWorkGroups() = 0;
  // Operator and health state of the devices of connected agents.
  [[nodiscard]] virtual absl::StatusOr<std::vector<DeviceHealth>> LoadDeviceHealth() = 0;

  // For each request, in one transaction: tries its groups in order and
  // claims the first pending experiment (by ordinal) that is not waiting for
  // a retry and whose parameters are within the device's domains (FOR UPDATE
  // SKIP LOCKED, so concurrent coordinators never claim one experiment
  // twice); creates its run with the next attempt number and a lease, marks
  // the experiment running and records the device's new configuration.
  // Requests that try the same group at the same point are served in request
  // order: when the group runs short, the later ones find it empty.
  [[nodiscard]] virtual absl::StatusOr<std::vector<ClaimOutcome>> ClaimBatch(
      const std::vector<ClaimRequest>& requests) = 0;

  // Marks lost every assigned or running run whose lease has expired, and
  // requeues (or fails, past the retry limit) their experiments.
  [[nodiscard]] virtual absl::StatusOr<RequeueResult> ExpireLeases() = 0;

  // Stores one report of `agent_name` idempotently on (run_id, seq): samples
  // by COPY, RunStarted / RunFinished as state changes, in one transaction.
  // A RunFinished that failed requeues the experiment (infrastructure
  // failures, below the retry limit) or fails it.
  [[nodiscard]] virtual absl::StatusOr<IngestResult> IngestReport(
      const std::string& agent_name, const benchd::v1::Report& report) = 0;
  // As IngestReport for each report, in order, in one transaction. An
  // invalid report fails the whole call before anything is stored.
  [[nodiscard]] virtual absl::StatusOr<std::vector<IngestResult>> IngestReports(
      const std::string& agent_name, const std::vector<benchd::v1::Report>& reports) = 0;
  // As IngestReports for each agent's reports, all of them in one
  // transaction: the coordinator stores what every agent sent meanwhile
  // together. Each agent's result is its own: if the shared transaction
  // fails, each agent's reports are tried again alone, so reports the
  // database refuses (or an invalid one) fail only their agent's entry.
  // `claims_after`, if set, is called in the shared transaction once the
  // reports are stored; the claims it returns are made in it too (as
  // ClaimBatch), so the devices those reports freed get their next work
  // with the same commit.
  [[nodiscard]] virtual IngestedBatches IngestReportsOfAgents(const std::vector<AgentReports>& batches,
                                                              const ClaimsAfterIngest& claims_after = {}) = 0;

  // The point keys of the sweep's experiments that succeeded.
  [[nodiscard]] virtual absl::StatusOr<std::vector<std::string>> SucceededPointKeys(int64_t sweep_id) = 0;
  // Puts the sweep's failed experiments back to pending with a fresh retry
  // budget (attempt numbers go on increasing); returns how many. NOT_FOUND
  // for an unknown sweep, FAILED_PRECONDITION for a cancelled one.
  [[nodiscard]] virtual absl::StatusOr<int64_t> RequeueFailed(int64_t sweep_id) = 0;

  // Cancels the sweep: pending experiments and active runs become
  // cancelled, and the sweep is never scheduled again. Returns the runs to
  // stop on their devices. NOT_FOUND for an unknown sweep.
  [[nodiscard]] virtual absl::StatusOr<CancelResult> CancelSweep(int64_t sweep_id) = 0;
  // Marks the agent draining (or not); returns its active runs. NOT_FOUND
  // for an unknown agent.
  [[nodiscard]] virtual absl::StatusOr<int64_t> SetAgentDraining(const std::string& agent_name,
                                                                 bool draining) = 0;
  // Enables (clearing quarantine and the failure count) or disables a
  // device. NOT_FOUND for an unknown agent or device.
  [[nodiscard]] virtual absl::Status SetDeviceEnabled(const std::string& agent_name,
                                                      const std::string& device_name, bool enabled) = 0;
  // The outcome of a health check of a quarantined device; a healthy one
  // returns it to service. Returns whether it did.
  [[nodiscard]] virtual absl::StatusOr<bool> RecordHealthCheck(const std::string& agent_name,
                                                               const std::string& device_name,
                                                               bool healthy, const std::string& detail) = 0;
  // Matching events, oldest first (the newest `limit` of them).
  [[nodiscard]] virtual absl::StatusOr<std::vector<benchd::v1::Event>> ListEvents(
      const EventFilter& filter) = 0;

  // Streams a run's trace to `sink` in chunks (see RunTraceChunk); stops
  // early when `sink` returns false. Errors: NOT_FOUND for an unknown run.
  [[nodiscard]] virtual absl::Status ReadRunTrace(
      int64_t run_id, const std::function<bool(benchd::v1::RunTraceChunk)>& sink) = 0;

  // Counts stored latency samples of a run; used by queries and tests.
  [[nodiscard]] virtual absl::StatusOr<int64_t> CountLatencySamples(int64_t run_id) = 0;
};

}  // namespace benchd::daemon
