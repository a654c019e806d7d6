#include "daemon/store/pg_statements.h"

namespace benchd::daemon::sql {
namespace {

// The helpers below assemble statements from fixed fragments of this file,
// never from values.

// Times leave the database as microseconds since the Unix epoch.
std::string EpochMicros(const std::string& column) {
  return "(extract(epoch FROM " + column + ") * 1000000)::bigint";
}

// An agent-reported time (microseconds since the epoch); NULL, when the agent
// reported none, means "now".
std::string AgentTime(const std::string& param) {
  return "coalesce(timestamptz 'epoch' + " + param + "::bigint * interval '1 microsecond', now())";
}

// A sweep with its progress, then `tail` (WHERE / ORDER BY). The mean
// duration and the device count feed the ETA (see PgStore::GetProgress);
// aggregates without GROUP BY always return a row, so a sweep with no runs
// yet gets NULL / 0.
std::string SweepWithProgress(const std::string& tail) {
  return "SELECT s.id, s.name, s.yaml, " + EpochMicros("s.submitted_at") + R"sql(,
       c.total, c.pending, c.running, c.succeeded, c.failed, c.cancelled,
       d.mean_ms::double precision, d.devices, s.priority, coalesce(s.resumed_from, 0)
FROM sweeps s
CROSS JOIN LATERAL (
  SELECT count(*) AS total,
         count(*) FILTER (WHERE state = 'pending') AS pending,
         count(*) FILTER (WHERE state = 'running') AS running,
         count(*) FILTER (WHERE state = 'succeeded') AS succeeded,
         count(*) FILTER (WHERE state = 'failed') AS failed,
         count(*) FILTER (WHERE state = 'cancelled') AS cancelled
  FROM experiments e WHERE e.sweep_id = s.id) c
CROSS JOIN LATERAL (
  SELECT avg(extract(epoch FROM r.finished_at - coalesce(r.started_at, r.assigned_at)) * 1000)
           FILTER (WHERE r.state IN ('succeeded', 'failed') AND r.finished_at IS NOT NULL)
           AS mean_ms,
         count(DISTINCT (r.agent, r.device)) AS devices
  FROM runs r JOIN experiments e ON e.id = r.experiment_id
  WHERE e.sweep_id = s.id) d
)sql" + tail;
}

// Marks the active runs matching `run_condition` lost and requeues their
// experiments (or fails them at the retry limit) in one statement; the
// attempt was counted when the run was claimed. Runs are locked before
// experiments, the order every statement here uses, so concurrent callers
// do not deadlock.
std::string LoseRuns(const std::string& run_condition, const std::string& reason) {
  return R"sql(WITH lost AS (
  UPDATE runs SET state = 'lost', finished_at = now(), error = )sql" +
         reason + R"sql(,
                  failure_kind = 'infrastructure'
  WHERE state IN ('assigned', 'running') AND )sql" +
         run_condition + R"sql(
  RETURNING id, experiment_id, agent
), requeued AS (
  UPDATE experiments e
  SET state = CASE WHEN e.attempts < e.max_attempts THEN 'pending' ELSE 'failed' END,
      error = )sql" +
         reason + R"sql(, failure_kind = 'infrastructure', updated_at = now()
  FROM lost WHERE e.id = lost.experiment_id AND e.state = 'running'
  RETURNING e.id, e.sweep_id, e.state
)
SELECT lost.id, lost.experiment_id, requeued.sweep_id, requeued.state, lost.agent
FROM lost LEFT JOIN requeued ON requeued.id = lost.experiment_id ORDER BY lost.id)sql";
}

}  // namespace

const std::vector<Statement>& Statements() {
  static const std::vector<Statement> kStatements = {
      {kInsertSweep,
       "INSERT INTO sweeps (name, yaml, priority, resumed_from) VALUES ($1, $2, $3, nullif($4::bigint, 0))\n"
       "RETURNING id"},
      {kInsertRunSettings,
       "INSERT INTO run_settings (sweep_id, warmup, iterations, repeats, timeout_ms, min_duration_ms,\n"
       "                          power_sample_hz, power_idle_ms, power_base_ms, requires)\n"
       "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb) RETURNING id"},
      // The ids of a sweep's $1 experiments, taken from the sequence at once:
      // the returned id is the last one. A default nextval() per COPY row was
      // 7 % of the server's time for a large sweep. The lock (held to commit;
      // the key spells "expids") keeps two sweeps from interleaving between
      // nextval and setval; only CreateSweep inserts experiments.
      {kReserveExperimentIds,
       "SELECT pg_advisory_xact_lock(111567956436083),\n"
       "       setval(pg_get_serial_sequence('experiments', 'id'),\n"
       "              nextval(pg_get_serial_sequence('experiments', 'id')) + $1::bigint - 1)"},
      {kSucceededPointKeys, "SELECT point_key FROM experiments WHERE sweep_id = $1 AND state = 'succeeded'"},
      {kRequeueFailed,
       "UPDATE experiments SET state = 'pending', error = '', failure_kind = NULL, updated_at = now(),\n"
       "       attempt_budget = coalesce(attempt_budget, max_attempts),\n"
       "       max_attempts = attempts + coalesce(attempt_budget, max_attempts)\n"
       "WHERE sweep_id = $1 AND state = 'failed'"},
      {kSweepById, SweepWithProgress("WHERE s.id = $1")},
      {kAllSweeps, SweepWithProgress("ORDER BY s.id")},
      {kSweepExists, "SELECT 1 FROM sweeps WHERE id = $1"},
      {kExperimentsOfSweep,
       "SELECT id, sweep_id, ordinal, platform, parameters::text, state, attempts, error, config_key, "
       "point_key "
       "FROM experiments WHERE sweep_id = $1 ORDER BY ordinal"},
      // DISTINCT ON guards against a second succeeded run of one experiment,
      // which the state machine should never produce: the newest wins.
      {kResultsOfSweep,
       "SELECT DISTINCT ON (e.ordinal) e.id, r.id, e.parameters::text, r.latency_kind,\n"
       "       r.latency_count, r.mean_us, r.std_us, r.min_us, r.max_us, r.median_us,\n"
       "       r.p90_us, r.p95_us, r.p99_us, r.ci95_low_us, r.ci95_high_us, r.fps, r.gops,\n"
       "       r.inferences, r.environment::text, r.agent, r.device,\n"
       "       (SELECT count(*) FROM latency_samples ls WHERE ls.run_id = r.id)\n"
       "FROM experiments e JOIN runs r ON r.experiment_id = e.id\n"
       "WHERE e.sweep_id = $1 AND e.state = 'succeeded' AND r.state = 'succeeded'\n"
       "ORDER BY e.ordinal, r.id DESC"},
      {kMetricsOfSweep,
       "SELECT m.run_id, m.name, m.value, m.unit FROM run_metrics m\n"
       "JOIN runs r ON r.id = m.run_id JOIN experiments e ON e.id = r.experiment_id\n"
       "WHERE e.sweep_id = $1 AND r.state = 'succeeded' ORDER BY m.run_id, m.position"},

      {kUpsertAgent,
       "INSERT INTO agents (name, hostname, version, connected, last_seen)\n"
       "VALUES ($1, $2, $3, true, now())\n"
       "ON CONFLICT (name) DO UPDATE SET hostname = EXCLUDED.hostname,\n"
       "  version = EXCLUDED.version, connected = true, last_seen = now()\n"
       "RETURNING id"},
      // $2 is a JSON array of {name, driver, platform, labels}: one statement
      // for any number of devices, with no SQL built from values.
      {kUpsertDevices,
       "INSERT INTO devices (agent_id, name, driver, platform, labels)\n"
       "SELECT $1, d->>'name', d->>'driver', d->>'platform', d->'labels'\n"
       "FROM jsonb_array_elements($2::jsonb) AS d\n"
       "ON CONFLICT (agent_id, name) DO UPDATE SET driver = EXCLUDED.driver,\n"
       "  platform = EXCLUDED.platform, labels = EXCLUDED.labels"},
      {kDeleteOtherDevices,
       "DELETE FROM devices WHERE agent_id = $1\n"
       "AND name NOT IN (SELECT jsonb_array_elements_text($2::jsonb))"},
      {kDisconnectAgent,
       "UPDATE agents SET connected = false, last_seen = now() WHERE name = $1 RETURNING id"},
      {kTouchAgent,
       "UPDATE agents SET connected = true, last_seen = now() WHERE name = $1 RETURNING id"},
      {kExtendAgentLeases,
       "UPDATE runs SET lease_expires_at = now() + $3::bigint * interval '1 millisecond'\n"
       "WHERE agent = $1 AND state IN ('assigned', 'running') AND id = ANY ($2::bigint[])"},
      {kAllAgents, "SELECT id, name, hostname, version, connected, " + EpochMicros("last_seen") +
                       " FROM agents ORDER BY name"},
      {kAllDevices,
       "SELECT d.agent_id, d.name, d.driver, d.platform, d.labels::text,\n"
       "       EXISTS (SELECT 1 FROM runs r WHERE r.agent = a.name AND r.device = d.name\n"
       "               AND r.state IN ('assigned', 'running'))\n"
       "FROM devices d JOIN agents a ON a.id = d.agent_id ORDER BY d.agent_id, d.name"},

      // SKIP LOCKED: a concurrent claimer passes over the row this one holds
      // instead of waiting for it and then finding it taken.
      {kPickPendingExperiment,
       "SELECT e.id, e.sweep_id, e.attempts, e.parameters::text, rs.warmup, rs.iterations, rs.repeats,\n"
       "       rs.timeout_ms, e.config_key, rs.min_duration_ms, rs.power_sample_hz, rs.power_idle_ms,\n"
       "       rs.power_base_ms\n"
       "FROM experiments e JOIN sweeps s ON s.id = e.sweep_id JOIN run_settings rs ON rs.id = e.settings_id\n"
       "WHERE e.state = 'pending' AND e.platform = $1\n"
       "ORDER BY s.priority DESC, e.sweep_id, e.ordinal LIMIT 1 FOR UPDATE OF e SKIP LOCKED"},
      {kInsertRun,
       "INSERT INTO runs (experiment_id, attempt, agent, device, lease_ms, lease_expires_at)\n"
       "VALUES ($1, $2, $3, $4, $5::bigint, now() + $5::bigint * interval '1 millisecond')\n"
       "RETURNING id"},
      {kMarkExperimentRunning,
       "UPDATE experiments SET state = 'running', attempts = attempts + 1, updated_at = now()\n"
       "WHERE id = $1"},
      {kLoseAgentRuns, LoseRuns("agent = $1 AND NOT (id = ANY ($2::bigint[]))", "$3")},
      {kLoseExpiredRuns, LoseRuns("lease_expires_at < now()", "$1")},

      {kLockRun,
       "SELECT r.agent, r.state, r.experiment_id, e.sweep_id\n"
       "FROM runs r JOIN experiments e ON e.id = r.experiment_id\n"
       "WHERE r.id = $1 FOR UPDATE OF r"},
      {kReportExists, "SELECT 1 FROM run_reports WHERE run_id = $1 AND seq = $2"},
      {kLedgerReport,
       "INSERT INTO run_reports (run_id, seq, kind) VALUES ($1, $2, $3)\n"
       "ON CONFLICT DO NOTHING RETURNING 1"},
      {kExtendRunLease,
       "UPDATE runs SET lease_expires_at = now() + lease_ms * interval '1 millisecond'\n"
       "WHERE id = $1"},
      {kStartRun, "UPDATE runs SET state = 'running', started_at = " + AgentTime("$2") +
                      "\nWHERE id = $1 AND state = 'assigned'"},
      {kSucceedRun,
       "UPDATE runs SET state = 'succeeded', finished_at = " + AgentTime("$2") + R"sql(,
  environment = $3::jsonb, error = '', failure_kind = NULL, latency_kind = $4,
  latency_count = $5, mean_us = $6, std_us = $7, min_us = $8, max_us = $9,
  median_us = $10, p90_us = $11, p95_us = $12, p99_us = $13, ci95_low_us = $14,
  ci95_high_us = $15, fps = $16, gops = $17, inferences = $18
WHERE id = $1)sql"},
      {kInsertRunMetric,
       "INSERT INTO run_metrics (run_id, position, name, value, unit) VALUES ($1, $2, $3, $4, $5)"},
      {kFailRun, "UPDATE runs SET state = 'failed', finished_at = " + AgentTime("$2") + R"sql(,
  environment = $3::jsonb, error = $4, failure_kind = $5
WHERE id = $1)sql"},
      {kSucceedExperiment,
       "UPDATE experiments SET state = 'succeeded', error = '', failure_kind = NULL,\n"
       "  updated_at = now() WHERE id = $1"},
      {kFinishFailedAttempt,
       "UPDATE experiments\n"
       "SET state = CASE WHEN $4::boolean AND attempts < max_attempts THEN 'pending'\n"
       "                 ELSE 'failed' END,\n"
       "    error = $2, failure_kind = $3, updated_at = now()\n"
       "WHERE id = $1 RETURNING state"},
      {kCountLatencySamples,
       "SELECT EXISTS (SELECT 1 FROM runs WHERE id = $1),\n"
       "       (SELECT count(*) FROM latency_samples WHERE run_id = $1)"},

      {kInsertEvent,
       "INSERT INTO events (kind, sweep_id, experiment_id, run_id, agent, message)\n"
       "VALUES ($1, $2, $3, $4, $5, $6)"},
  };
  return kStatements;
}

void PrepareAll(pqxx::connection& connection) {
  for (const auto& statement : Statements()) connection.prepare(statement.name, statement.text);
}

const CopyTarget& ExperimentsCopy() {
  static const CopyTarget kTarget{"experiments",
                                  {"id", "sweep_id", "ordinal", "platform", "parameters", "max_attempts",
                                   "config_key", "point_key", "settings_id"}};
  return kTarget;
}

const CopyTarget& LatencySamplesCopy() {
  static const CopyTarget kTarget{"latency_samples",
                                  {"run_id", "repeat", "idx", "kind", "t_ns", "latency_us"}};
  return kTarget;
}

const CopyTarget& PowerSamplesCopy() {
  static const CopyTarget kTarget{"power_samples", {"run_id", "channel", "t_ns", "watts"}};
  return kTarget;
}

}  // namespace benchd::daemon::sql
