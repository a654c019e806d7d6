#pragma once

// How each kind of agent report is written, once the batch it came in
// (pg_ingest_batch.h) has found it fresh and its run active. Internal to
// daemon/store.

#include <cstdint>
#include <optional>
#include <pqxx/pqxx>
#include <string>

#include "benchd/v1/agent_service.pb.h"
#include "daemon/store/pg_rows.h"
#include "daemon/store/pg_store.h"

namespace benchd::daemon {

// The run a report is about, as locked at the start of the transaction;
// `state` follows the reports of the batch accepted so far.
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

// An event about `run`.
Event RunEvent(const LockedRun& run, std::string kind, std::string message);

std::optional<std::string> EnvironmentEntry(const benchd::v1::Environment& environment, const std::string& key);

// Records that a report of `run` was rejected for `reason`, once per run
// however many of its reports arrive after it was taken away: an agent may
// have hundreds in flight.
void RecordRejection(pqxx::work& tx, const LockedRun& run, const std::string& reason);

// Samples go in by COPY: a run can report millions of them, and row-by-row
// INSERTs manage tens of thousands per second.
void CopyLatencySamples(pqxx::work& tx, const LockedRun& run, const benchd::v1::LatencyBatch& batch);
void CopyPowerSamples(pqxx::work& tx, const LockedRun& run, const benchd::v1::PowerBatch& batch);

void StoreLogLine(pqxx::work& tx, const LockedRun& run, const benchd::v1::LogLine& line);

// The agent reports a reconfiguration in the environment of the run that
// needed it (device_worker.cc): recorded as a timed event.
void StoreReconfiguration(pqxx::work& tx, const LockedRun& run, const benchd::v1::Environment& environment);

// The extra metrics of a successful run.
void StoreRunMetrics(pqxx::work& tx, const LockedRun& run, const benchd::v1::RunSummary& summary);

// A failed run: the run, its experiment (requeued or failed, by the retry
// policy), its device's failure count, events. Returns whether this failure
// put the device in quarantine.
bool StoreRunFailed(pqxx::work& tx, const LockedRun& run, const benchd::v1::RunFinished& done,
                    const PgStoreOptions& options);

// The primary rail's figures as columns (NULL where not measured), the
// warnings joined, and the rest of the measurement as JSON.
struct MeasurementColumns {
  std::optional<double> base_w, idle_w, full_w, energy, dynamic_energy;
  std::optional<int> repeat_count;
  std::string warnings;
  std::string json;

  static MeasurementColumns Of(const benchd::v1::RunSummary& summary);
};

}  // namespace benchd::daemon
