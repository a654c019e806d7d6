#include "daemon/store/pg_statements.h"

#include <pqxx/nontransaction>

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

// True when the parameters `params` (json, as experiments.parameters is
// since migration 0007) are within the device domains `domains` (jsonb
// {"param": ["value", ...]}): every constrained parameter the experiment has
// takes one of the listed values (in text form).
// CASE, unlike OR, guarantees the order: most devices have no domains, and
// skip the function scan.
std::string WithinDomains(const std::string& domains, const std::string& params) {
  const std::string object = params + "::jsonb";
  return "CASE WHEN " + domains + " = '{}' THEN true ELSE\n"
         "  NOT EXISTS (SELECT 1 FROM jsonb_each(" + domains + ") AS dom(name, allowed)\n"
         "              WHERE " + object + " ? dom.name AND NOT dom.allowed ? (" + params + " ->> dom.name)) END";
}

// The lease expiry a renewal of run `r` by `lease` (a SQL expression in
// milliseconds) gives, `rs` being its run settings: now + lease, but never
// past start + timeout + lease, so an agent that keeps renewing a run stuck
// past its timeout still loses it.
std::string RenewedLease(const std::string& lease) {
  return "CASE WHEN rs.timeout_ms > 0 AND r.started_at IS NOT NULL\n"
         "       THEN least(now() + " + lease + " * interval '1 millisecond',\n"
         "                  r.started_at + (rs.timeout_ms + " + lease + ") * interval '1 millisecond')\n"
         "       ELSE now() + " + lease + " * interval '1 millisecond' END";
}

// Experiment parameters `params` (json) have every parameter named in
// `required` (text[]). CASE, unlike OR, guarantees the order, so the jsonb
// cast is skipped for devices that need nothing (most of them).
std::string HasRequired(const std::string& required, const std::string& params) {
  return "CASE WHEN cardinality(" + required + ") = 0 THEN true ELSE " + params + "::jsonb ?& " + required +
         " END";
}

// Device `d` could run experiment `e`: it has its platform, its required
// labels, domains that admit its parameters and a driver that finds every
// parameter it needs.
std::string CouldRun() {
  return "d.platform = e.platform\n"
         "  AND d.labels @> (SELECT rs.requires FROM run_settings rs WHERE rs.id = e.settings_id)\n"
         "  AND " + WithinDomains("d.domains", "e.parameters") + "\n"
         "  AND " + HasRequired("d.required_parameters", "e.parameters");
}

// A pending experiment `e` that no registered device could run.
std::string Unschedulable() {
  return "e.state = 'pending' AND NOT EXISTS (SELECT 1 FROM devices d WHERE " + CouldRun() + ")";
}

// Device `d` is in service: enabled, not quarantined, available, on an
// agent that is connected and not draining.
std::string InService() {
  return "d.enabled AND NOT d.quarantined AND d.unavailable_reason = ''\n"
         "  AND d.agent_id IN (SELECT a.id FROM agents a WHERE a.connected AND NOT a.draining)";
}

// Per run settings of sweep `s` and platform, what its devices (those with
// the platform and the settings' required labels) are: `open` devices take
// any parameters (no domains, no required parameters), narrowed ones only
// some; each in service or not. Joined to the sweep's experiments, it
// answers ServedBy() for most of them without looking at their parameters.
std::string DevicesBySettings() {
  return "SELECT rs.id AS settings_id, d.platform,\n"
         "  bool_or(open AND in_service) AS open_in_service, bool_or(open) AS open_any,\n"
         "  bool_or(NOT open AND in_service) AS narrowed_in_service, bool_or(NOT open) AS narrowed_any\n"
         "FROM run_settings rs JOIN devices d ON d.labels @> rs.requires\n"
         "CROSS JOIN LATERAL (SELECT d.domains = '{}' AND cardinality(d.required_parameters) = 0 AS open,\n"
         "                           " + InService() + " AS in_service) k\n"
         "WHERE rs.sweep_id = s.id GROUP BY rs.id, d.platform";
}

// Who could serve pending experiment `e` now, `f` being its row of
// DevicesBySettings() (NULL: no device has its platform and labels): 2 a
// device in service, 1 only devices out of service (disabled, quarantined,
// unavailable, or on an agent that is disconnected or draining), 0 no
// registered device (unschedulable); NULL when `e` is not pending. The
// parameters are looked at only where narrowed devices decide.
std::string ServedBy() {
  return "CASE WHEN e.state <> 'pending' THEN NULL\n"
         "  WHEN f.platform IS NULL THEN 0\n"
         "  WHEN f.open_in_service THEN 2\n"
         "  WHEN f.narrowed_in_service AND EXISTS (SELECT 1 FROM devices d WHERE " + CouldRun() + "\n"
         "    AND " + InService() + ") THEN 2\n"
         "  WHEN f.open_any THEN 1\n"
         "  WHEN f.narrowed_any AND EXISTS (SELECT 1 FROM devices d WHERE " + CouldRun() + ") THEN 1\n"
         "  ELSE 0 END";
}

// Why experiment `e` is unschedulable, NULL when it is not: the checks of
// Unschedulable() in order, and at the first one that no device of its
// platform passes, what stops them (the labels it requires, its parameter
// values outside their domains, the parameters their drivers need). Only
// computed for unschedulable experiments, and the list only for the check
// that stopped them, so the extra device scans stay off the common path.
std::string UnschedulableReason() {
  const std::string platform_devices = "FROM devices d WHERE d.platform = e.platform";
  const std::string labels =
      "(SELECT string_agg(key || '=' || value, ', ' ORDER BY key) FROM jsonb_each_text(rs.requires))";
  const std::string outside =
      "(SELECT string_agg(DISTINCT dom.name || '=' || (p.params ->> dom.name), ', '\n"
      "                   ORDER BY dom.name || '=' || (p.params ->> dom.name))\n"
      "   FROM devices d CROSS JOIN LATERAL jsonb_each(d.domains) AS dom(name, allowed)\n"
      "   WHERE d.platform = e.platform AND d.labels @> rs.requires\n"
      "     AND p.params ? dom.name AND NOT dom.allowed ? (p.params ->> dom.name))";
  const std::string missing =
      "(SELECT string_agg(DISTINCT needed.name, ', ' ORDER BY needed.name)\n"
      "   FROM devices d CROSS JOIN LATERAL unnest(d.required_parameters) AS needed(name)\n"
      "   WHERE d.platform = e.platform AND d.labels @> rs.requires\n"
      "     AND " + WithinDomains("d.domains", "p.params") + " AND NOT p.params ? needed.name)";
  return "CASE WHEN " + Unschedulable() + " THEN (\n"
         "SELECT CASE\n"
         "  WHEN NOT EXISTS (SELECT 1 " + platform_devices + ") THEN\n"
         "    format('no registered device has platform %s', e.platform)\n"
         "  WHEN NOT EXISTS (SELECT 1 " + platform_devices + " AND d.labels @> rs.requires) THEN\n"
         "    format('no %s device has the labels %s', e.platform, " + labels + ")\n"
         "  WHEN NOT EXISTS (SELECT 1 " + platform_devices + " AND d.labels @> rs.requires\n"
         "                     AND " + WithinDomains("d.domains", "p.params") + ") THEN\n"
         "    format('outside the domains of every %s device%s: %s', e.platform,\n"
         "           CASE WHEN rs.requires = '{}' THEN '' ELSE ' with ' || " + labels + " END, " + outside + ")\n"
         "  ELSE format('every %s device that admits it needs a parameter it does not set: %s', e.platform,\n"
         "              " + missing + ")\n"
         "END\n"
         "FROM run_settings rs, (SELECT e.parameters::jsonb AS params) p WHERE rs.id = e.settings_id) END";
}

// Experiment `e` lies in the block of ids of sweep `s`: names the sweep's
// partitions, so the others are pruned (migration 0007) instead of probed.
std::string InIdBlock(const std::string& e, const std::string& s) {
  return e + ".id >= " + s + ".first_experiment_id AND " + e + ".id < " + s + ".end_experiment_id";
}

// A sweep with its progress, then `tail` (WHERE / ORDER BY). The mean
// duration and the device count feed the ETA (see PgStore::GetProgress);
// aggregates without GROUP BY always return a row, so a sweep with no runs
// yet gets NULL / 0.
std::string SweepWithProgress(const std::string& tail) {
  return "SELECT s.id, s.name, s.yaml, " + EpochMicros("s.submitted_at") + R"sql(,
       c.total, c.pending, c.running, c.succeeded, c.failed, c.cancelled,
       d.mean_ms::double precision, d.devices, s.priority, coalesce(s.resumed_from, 0),
       c.unschedulable, c.recent, d.active_for_s, s.cancelled_at IS NOT NULL, c.blocked
FROM sweeps s
CROSS JOIN LATERAL (
  SELECT count(*) AS total,
         count(*) FILTER (WHERE state = 'pending') AS pending,
         count(*) FILTER (WHERE state = 'running') AS running,
         count(*) FILTER (WHERE state = 'succeeded') AS succeeded,
         count(*) FILTER (WHERE state = 'failed') AS failed,
         count(*) FILTER (WHERE state = 'cancelled') AS cancelled,
         count(*) FILTER (WHERE served_by = 0) AS unschedulable,
         count(*) FILTER (WHERE served_by = 1) AS blocked,
         -- Experiments, not runs: an attempt that failed and was requeued
         -- brought the sweep no closer to its end.
         count(*) FILTER (WHERE state IN ('succeeded', 'failed')
                            AND updated_at > now() - interval '5 minutes') AS recent
  -- OFFSET 0: served_by is worked out once per experiment, not once per
  -- count that reads it.
  FROM (SELECT e.state, e.updated_at, )sql" + ServedBy() + R"sql( AS served_by
        FROM experiments e LEFT JOIN ()sql" + DevicesBySettings() + R"sql() f
          ON f.settings_id = e.settings_id AND f.platform = e.platform
        WHERE e.sweep_id = s.id AND )sql" + InIdBlock("e", "s") + R"sql( OFFSET 0) e) c
CROSS JOIN LATERAL (
  SELECT avg(extract(epoch FROM r.finished_at - coalesce(r.started_at, r.assigned_at)) * 1000)
           FILTER (WHERE r.state IN ('succeeded', 'failed') AND r.finished_at IS NOT NULL)
           AS mean_ms,
         count(DISTINCT (r.agent, r.device)) AS devices,
         -- How long the runs active in the last 5 minutes have been at it
         -- (NULL: none was), which starts the rate's window later when the
         -- sweep began, or resumed after a stall that would dilute the rate.
         extract(epoch FROM now() - min(r.assigned_at) FILTER (
           WHERE r.state IN ('assigned', 'running') OR r.finished_at > now() - interval '5 minutes'))
           ::double precision AS active_for_s
  FROM runs r JOIN experiments e ON e.id = r.experiment_id
  WHERE e.sweep_id = s.id AND )sql" + InIdBlock("e", "s") + R"sql() d
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
  RETURNING id, experiment_id, agent, device
), requeued AS (
  UPDATE experiments e
  SET state = CASE WHEN e.attempts < e.max_attempts THEN 'pending' ELSE 'failed' END,
      error = )sql" +
         reason + R"sql(, failure_kind = 'infrastructure', not_before = NULL, updated_at = now()
  FROM lost WHERE e.id = lost.experiment_id AND e.state = 'running'
  RETURNING e.id, e.sweep_id, e.state
)
SELECT lost.id, lost.experiment_id, requeued.sweep_id, requeued.state, lost.agent, lost.device
FROM lost LEFT JOIN requeued ON requeued.id = lost.experiment_id ORDER BY lost.id)sql";
}

}  // namespace

const std::vector<Statement>& Statements() {
  static const std::vector<Statement> kStatements = {
      // $5, $6: the sweep's block of experiment ids, [first, end); 0, 0 when
      // it has none.
      {kInsertSweep,
       "INSERT INTO sweeps (name, yaml, priority, resumed_from, first_experiment_id, end_experiment_id)\n"
       "VALUES ($1, $2, $3, nullif($4::bigint, 0), nullif($5::bigint, 0), nullif($6::bigint, 0))\n"
       "RETURNING id"},
      {kInsertRunSettings,
       "INSERT INTO run_settings (sweep_id, warmup, iterations, repeats, timeout_ms, min_duration_ms,\n"
       "                          power_sample_hz, power_idle_ms, power_base_ms, requires, ci_target,\n"
       "                          max_repeats)\n"
       "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11, $12) RETURNING id"},
      // The ids of a sweep's $1 experiments, taken from the sequence at once:
      // the returned id is the last one. A default nextval() per COPY row was
      // 7 % of the server's time for a large sweep. The lock (held to commit;
      // the key spells "expids") keeps two sweeps from interleaving between
      // nextval and setval; only CreateSweep inserts experiments.
      // $2: the sequence, experiments_id_seq (ids in the shared partition)
      // or experiment_table_ids (a sweep's own tables).
      {kReserveExperimentIds,
       "SELECT pg_advisory_xact_lock(111567956436083),\n"
       "       setval($2::regclass, nextval($2::regclass) + $1::bigint - 1)"},
      {kStageSweepPart, "INSERT INTO sweep_part_staging (table_name) VALUES ($1)"},
      {kUnstageSweepPart, "DELETE FROM sweep_part_staging WHERE table_name = $1"},
      {kAbandonedSweepParts,
       "SELECT st.table_name FROM sweep_part_staging st\n"
       "LEFT JOIN pg_class c ON c.oid = to_regclass(st.table_name)\n"
       "WHERE (c.oid IS NULL OR NOT c.relispartition)\n"
       "  AND (st.table_name = ANY ($1::text[]) OR st.created_at < now() - $2::bigint * interval '1 second')"},
      {kSucceededPointKeys, "SELECT point_key FROM experiments WHERE sweep_id = $1 AND state = 'succeeded'"},
      {kSweepCancelled, "SELECT cancelled_at IS NOT NULL FROM sweeps WHERE id = $1"},
      {kRequeueFailed,
       "UPDATE experiments SET state = 'pending', error = '', failure_kind = NULL, updated_at = now(),\n"
       "       attempt_budget = coalesce(attempt_budget, max_attempts),\n"
       "       max_attempts = attempts + coalesce(attempt_budget, max_attempts)\n"
       "WHERE sweep_id = $1 AND state = 'failed'"},
      {kSweepById, SweepWithProgress("WHERE s.id = $1")},
      {kAllSweeps, SweepWithProgress("ORDER BY s.id")},
      {kSweepExists, "SELECT 1 FROM sweeps WHERE id = $1"},
      // A page of a sweep's experiments: those after id $2, at most $3
      // (NULL: all), in id order (the sweep's block of ids prunes the other
      // partitions).
      {kExperimentsOfSweep,
       "SELECT e.id, e.sweep_id, e.ordinal, e.platform, e.parameters::text, e.state, e.attempts, e.error,\n"
       "       e.config_key, e.point_key, " + UnschedulableReason() + "\n"
       "FROM sweeps s JOIN experiments e ON " + InIdBlock("e", "s") + "\n"
       "WHERE s.id = $1 AND e.sweep_id = $1 AND e.id > $2 ORDER BY e.id LIMIT $3"},
      // DISTINCT ON guards against a second succeeded run of one experiment,
      // which the state machine should never produce: the newest wins.
      // Paged as kExperimentsOfSweep.
      {kResultsOfSweep,
       "SELECT DISTINCT ON (e.id) e.id, r.id, e.parameters::text, r.latency_kind,\n"
       "       r.latency_count, r.mean_us, r.std_us, r.min_us, r.max_us, r.median_us,\n"
       "       r.p90_us, r.p95_us, r.p99_us, r.ci95_low_us, r.ci95_high_us, r.fps, r.gops,\n"
       "       r.inferences, r.environment::text, r.agent, r.device,\n"
       "       (SELECT count(*) FROM latency_samples ls WHERE ls.run_id = r.id), r.measurement::text\n"
       "FROM sweeps s JOIN experiments e ON " + InIdBlock("e", "s") + "\n"
       "JOIN runs r ON r.experiment_id = e.id\n"
       "WHERE s.id = $1 AND e.sweep_id = $1 AND e.id > $2 AND e.state = 'succeeded' AND r.state = 'succeeded'\n"
       "ORDER BY e.id, r.id DESC LIMIT $3"},
      {kMetricsOfRuns,
       "SELECT run_id, name, value, unit FROM run_metrics WHERE run_id = ANY ($1::bigint[])\n"
       "ORDER BY run_id, position"},

      {kUpsertAgent,
       "INSERT INTO agents (name, hostname, version, connected, last_seen)\n"
       "VALUES ($1, $2, $3, true, now())\n"
       "ON CONFLICT (name) DO UPDATE SET hostname = EXCLUDED.hostname,\n"
       "  version = EXCLUDED.version, connected = true, last_seen = now()\n"
       "RETURNING id"},
      // $2 is a JSON array of {name, driver, platform, labels}: one statement
      // for any number of devices, with no SQL built from values.
      {kUpsertDevices,
       "INSERT INTO devices (agent_id, name, driver, platform, labels, domains, has_health_check,\n"
       "                     config_key, required_parameters, unavailable_reason)\n"
       "SELECT $1, d->>'name', d->>'driver', d->>'platform', d->'labels', d->'domains',\n"
       "       (d->>'has_health_check')::boolean, d->>'config_key',\n"
       "       ARRAY(SELECT jsonb_array_elements_text(d->'required_parameters')), d->>'unavailable_reason'\n"
       "FROM jsonb_array_elements($2::jsonb) AS d\n"
       "ON CONFLICT (agent_id, name) DO UPDATE SET driver = EXCLUDED.driver,\n"
       "  platform = EXCLUDED.platform, labels = EXCLUDED.labels, domains = EXCLUDED.domains,\n"
       "  has_health_check = EXCLUDED.has_health_check, config_key = EXCLUDED.config_key,\n"
       "  required_parameters = EXCLUDED.required_parameters,\n"
       "  unavailable_reason = EXCLUDED.unavailable_reason"},
      {kDeleteOtherDevices,
       "DELETE FROM devices WHERE agent_id = $1\n"
       "AND name NOT IN (SELECT jsonb_array_elements_text($2::jsonb))"},
      {kDisconnectAgent,
       "UPDATE agents SET connected = false, last_seen = now() WHERE name = $1 RETURNING id"},
      {kTouchAgent,
       "UPDATE agents SET connected = true, last_seen = now() WHERE name = $1 RETURNING id"},
      {kExtendAgentLeases,
       "UPDATE runs r SET lease_expires_at = " + RenewedLease("$3::bigint") + "\n"
       "FROM experiments e, run_settings rs\n"
       "WHERE e.id = r.experiment_id AND rs.id = e.settings_id AND r.agent = $1\n"
       "  AND r.state IN ('assigned', 'running')\n"
       "  AND r.id = ANY ($2::bigint[])\n"
       "RETURNING r.id"},
      {kAllAgents, "SELECT id, name, hostname, version, connected, " + EpochMicros("last_seen") +
                       ", draining FROM agents ORDER BY name"},
      {kAllDevices,
       "SELECT d.agent_id, d.name, d.driver, d.platform, d.labels::text,\n"
       "       coalesce((SELECT max(r.id) FROM runs r WHERE r.agent = a.name AND r.device = d.name\n"
       "                 AND r.state IN ('assigned', 'running')), 0),\n"
       "       d.enabled, d.quarantined, d.quarantine_reason, d.consecutive_failures, d.last_error,\n"
       "       d.config_key, d.has_health_check, d.domains::text, d.required_parameters,\n"
       "       d.unavailable_reason\n"
       "FROM devices d JOIN agents a ON a.id = d.agent_id ORDER BY d.agent_id, d.name"},
      {kDeviceHealth,
       "SELECT a.name, d.name, d.enabled, d.quarantined, a.draining, d.has_health_check, d.domains::text,\n"
       "       d.required_parameters, d.unavailable_reason <> ''\n"
       "FROM devices d JOIN agents a ON a.id = d.agent_id WHERE a.connected"},
      {kSetAgentDraining,
       "UPDATE agents SET draining = $2 WHERE name = $1\n"
       "RETURNING (SELECT count(*) FROM runs WHERE agent = $1 AND state IN ('assigned', 'running'))"},
      {kSetDeviceEnabled,
       "UPDATE devices d SET enabled = $3,\n"
       "  quarantined = d.quarantined AND NOT $3,\n"
       "  quarantine_reason = CASE WHEN $3 THEN '' ELSE d.quarantine_reason END,\n"
       "  consecutive_failures = CASE WHEN $3 THEN 0 ELSE d.consecutive_failures END\n"
       "FROM agents a WHERE a.id = d.agent_id AND a.name = $1 AND d.name = $2 RETURNING d.id"},
      {kRecoverDevice,
       "UPDATE devices d SET quarantined = false, quarantine_reason = '', consecutive_failures = 0,\n"
       "  unavailable_reason = ''\n"
       "FROM agents a WHERE a.id = d.agent_id AND a.name = $1 AND d.name = $2\n"
       "  AND (d.quarantined OR d.unavailable_reason <> '')\n"
       "RETURNING d.id"},
      {kDeviceExists,
       "SELECT 1 FROM devices d JOIN agents a ON a.id = d.agent_id WHERE a.name = $1 AND d.name = $2"},
      // $5: whether the failure counts towards quarantine (infrastructure);
      // returns the new count, so the caller sees the moment it reaches $4.
      {kDeviceRunFailed,
       "UPDATE devices d SET last_error = $3,\n"
       "  consecutive_failures = d.consecutive_failures + CASE WHEN $5::boolean THEN 1 ELSE 0 END,\n"
       "  quarantined = d.quarantined OR ($5::boolean AND d.consecutive_failures + 1 >= $4),\n"
       "  quarantine_reason = CASE WHEN NOT d.quarantined AND $5::boolean\n"
       "                            AND d.consecutive_failures + 1 >= $4\n"
       "                       THEN (d.consecutive_failures + 1) || ' consecutive infrastructure failures; last: ' || $3\n"
       "                       ELSE d.quarantine_reason END,\n"
       "  config_key = coalesce($6, d.config_key)\n"
       "FROM agents a WHERE a.id = d.agent_id AND a.name = $1 AND d.name = $2\n"
       "RETURNING d.quarantined, d.consecutive_failures"},

      {kWorkGroups,
       "SELECT e.sweep_id, s.priority, e.platform, e.config_key, e.settings_id, rs.requires::text, count(*),\n"
       "       s.first_experiment_id, s.end_experiment_id\n"
       "FROM experiments e JOIN sweeps s ON s.id = e.sweep_id JOIN run_settings rs ON rs.id = e.settings_id\n"
       "WHERE e.state = 'pending' AND s.cancelled_at IS NULL\n"
       "GROUP BY e.sweep_id, s.priority, e.platform, e.config_key, e.settings_id, rs.requires,\n"
       "         s.first_experiment_id, s.end_experiment_id\n"
       "ORDER BY e.sweep_id"},
      // Claims from one group for several devices at once: picks up to one
      // experiment per device (SKIP LOCKED: a concurrent claimer passes over
      // the rows this one holds instead of waiting for them and then finding
      // them taken), marks them running with the next attempt, creates the
      // runs (the n-th experiment in ordinal order goes to the n-th device),
      // records the devices' new configuration and the assignment events.
      // $5: the devices' domains; $6, $7: agents and devices (text[]); $8:
      // lease in ms; $9, $10: the sweep's block of ids, which prunes the
      // other sweeps' partitions; $11: the parameters the devices' driver
      // needs (text[]). One row per device served, in device order, the
      // device's position (from 1) last.
      {kClaimForDevices,
       "WITH slot AS (\n"
       "  SELECT * FROM unnest($6::text[], $7::text[]) WITH ORDINALITY AS s(agent, device, n)),\n"
       "picked AS (\n"
       "  SELECT p.id, row_number() OVER (ORDER BY p.ordinal) AS n FROM (\n"
       "    SELECT e.id, e.ordinal FROM experiments e\n"
       "    WHERE e.state = 'pending' AND e.sweep_id = $1 AND e.platform = $2 AND e.config_key = $3\n"
       "      AND e.settings_id = $4 AND (e.not_before IS NULL OR e.not_before <= now())\n"
       "      AND e.id >= $9 AND e.id < $10\n"
       "      AND " + WithinDomains("$5::jsonb", "e.parameters") + "\n"
       "      AND " + HasRequired("$11::text[]", "e.parameters") + "\n"
       "    ORDER BY e.ordinal LIMIT cardinality($6::text[]) FOR UPDATE SKIP LOCKED) p),\n"
       "claimed AS (\n"
       "  UPDATE experiments e SET state = 'running', attempts = e.attempts + 1, not_before = NULL,\n"
       "    updated_at = now()\n"
       "  FROM picked WHERE e.id = picked.id AND e.id >= $9 AND e.id < $10\n"
       "  RETURNING e.id, e.attempts, e.parameters, e.config_key, e.settings_id, picked.n),\n"
       "run AS (\n"
       "  INSERT INTO runs (experiment_id, attempt, agent, device, lease_ms, lease_expires_at)\n"
       "  SELECT c.id, c.attempts, slot.agent, slot.device, $8::bigint,\n"
       "         now() + $8::bigint * interval '1 millisecond'\n"
       "  FROM claimed c JOIN slot ON slot.n = c.n ORDER BY c.n\n"
       "  RETURNING id, experiment_id, attempt, agent, device),\n"
       "configured AS (\n"
       "  UPDATE devices d SET config_key = $3 FROM agents a, run\n"
       "  WHERE a.id = d.agent_id AND a.name = run.agent AND d.name = run.device\n"
       "    AND d.config_key IS DISTINCT FROM $3),\n"
       "logged AS (\n"
       "  INSERT INTO events (kind, sweep_id, experiment_id, run_id, agent, device, message)\n"
       "  SELECT 'run_assigned', $1, r.experiment_id, r.id, r.agent, r.device,\n"
       "         'run ' || r.id || ' (attempt ' || r.attempt || ') assigned to device ''' || r.device || ''''\n"
       "  FROM run r ORDER BY r.id)\n"
       "SELECT c.id, c.attempts, c.parameters::text, rs.warmup, rs.iterations, rs.repeats,\n"
       "  rs.timeout_ms, c.config_key, rs.min_duration_ms, rs.power_sample_hz, rs.power_idle_ms,\n"
       "  rs.power_base_ms, r.id, rs.ci_target, rs.max_repeats, c.n\n"
       "FROM claimed c JOIN run r ON r.experiment_id = c.id JOIN run_settings rs ON rs.id = c.settings_id\n"
       "ORDER BY c.n"},
      {kLoseAgentRuns, LoseRuns("agent = $1 AND NOT (id = ANY ($2::bigint[]))", "$3")},
      {kLoseExpiredRuns, LoseRuns("lease_expires_at < now()", "$1")},

      // Every run a batch of reports names, locked in id order: batches of
      // several agents (one transaction) and other coordinators' batches lock
      // in the same order, so they cannot deadlock. The experiment is looked
      // up per run (OFFSET 0 keeps the planner from making it a join, which
      // a generic plan guessing the array's size may do by reading every
      // experiment).
      // Last: which of the seqs $2 the run's ledger holds (bigint[]; NULL
      // for none), so the batch knows its replays.
      {kLockRuns,
       "SELECT r.id, r.agent, r.state, r.experiment_id, e.sweep_id, r.device, r.attempt, e.attempts,\n"
       "       (SELECT array_agg(rr.seq) FROM run_reports rr\n"
       "        WHERE rr.run_id = r.id AND rr.seq = ANY ($2::bigint[]))\n"
       "FROM runs r CROSS JOIN LATERAL (\n"
       "  SELECT sweep_id, attempts FROM experiments WHERE id = r.experiment_id OFFSET 0) e\n"
       "WHERE r.id = ANY ($1::bigint[]) ORDER BY r.id FOR UPDATE OF r"},
      {kRunEventExists, "SELECT 1 FROM events WHERE run_id = $1 AND kind = $2 LIMIT 1"},
      {kLedgerReports,
       "INSERT INTO run_reports (run_id, seq, kind)\n"
       "SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[])"},
      {kRenewRunLeases,
       "UPDATE runs r SET lease_expires_at = " + RenewedLease("r.lease_ms") + "\n"
       "FROM experiments e, run_settings rs\n"
       "WHERE r.id = ANY ($1::bigint[]) AND e.id = r.experiment_id AND rs.id = e.settings_id"},
      // $1: one record per run the batch starts or finishes successfully
      // (pg_ingest_batch.cc), in the order their events are logged (`ord`).
      // A started run (`finished` false) is running and its lease renewed;
      // its first start (`start`) sets its start time (`started_at`) and logs
      // run_started. A succeeded run gets its summary, its experiment
      // succeeds, its device's failure count is reset and its configuration
      // recorded (config_key; NULL keeps it; a device's last run in the
      // batch, by `ord`, wins; a device row already so is not rewritten),
      // and its events are logged; `start` on a succeeded run: the batch
      // also started it (a short run's RunStarted and RunFinished arrive
      // together), so it is updated once.
      // $2: the run ids; $3: the succeeded runs' experiment ids, $4, $5 the
      // least and the greatest (which prune the other sweeps' partitions;
      // NULL when none succeeded). The records' count is unknown to the
      // planner (it guesses 100); the id arrays make it find the rows by
      // index, as a generic plan must when the tables grow (joined to the
      // records, a generic plan looped over all records per experiment).
      // $6-$8: ledger rows as kLedgerReports (empty arrays for none).
      // Starts, successes and the ledger in one statement: one round trip
      // where a batch that started runs took two.
      {kWriteRuns,
       R"sql(WITH x AS (SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(
    run_id bigint, ord int, finished boolean, finished_at bigint, environment text, latency_kind smallint,
    latency_count bigint, mean_us float8, std_us float8, min_us float8, max_us float8,
    median_us float8, p90_us float8, p95_us float8, p99_us float8, ci95_low_us float8,
    ci95_high_us float8, fps float8, gops float8, inferences bigint, config_key text, agent text,
    device text, sweep_id bigint, experiment_id bigint, message text, base_w float8, idle_w float8,
    full_w float8, energy_j float8, dynamic_energy_j float8, repeat_count int, warnings text,
    measurement text, start boolean, started_at bigint)),
ledger AS (
  INSERT INTO run_reports (run_id, seq, kind) SELECT * FROM unnest($6::bigint[], $7::bigint[], $8::text[])),
started AS (
  UPDATE runs r SET state = 'running',
    started_at = CASE WHEN x.start THEN )sql" + AgentTime("x.started_at") + R"sql( ELSE r.started_at END,
    lease_expires_at = now() + r.lease_ms * interval '1 millisecond'
  FROM x WHERE r.id = x.run_id AND NOT x.finished AND r.id = ANY ($2::bigint[])),
run AS (
  UPDATE runs r SET state = 'succeeded', finished_at = )sql" + AgentTime("x.finished_at") + R"sql(,
    environment = x.environment::jsonb, error = '', failure_kind = NULL, latency_kind = x.latency_kind,
    latency_count = x.latency_count, mean_us = x.mean_us, std_us = x.std_us, min_us = x.min_us,
    max_us = x.max_us, median_us = x.median_us, p90_us = x.p90_us, p95_us = x.p95_us,
    p99_us = x.p99_us, ci95_low_us = x.ci95_low_us, ci95_high_us = x.ci95_high_us, fps = x.fps,
    gops = x.gops, inferences = x.inferences, base_w = x.base_w, idle_w = x.idle_w, full_w = x.full_w,
    energy_per_inference_j = x.energy_j, dynamic_energy_per_inference_j = x.dynamic_energy_j,
    repeat_count = x.repeat_count, warnings = x.warnings, measurement = x.measurement::jsonb,
    started_at = CASE WHEN x.start THEN )sql" + AgentTime("x.started_at") + R"sql( ELSE r.started_at END
  FROM x WHERE r.id = x.run_id AND x.finished AND r.id = ANY ($2::bigint[])),
experiment AS (
  UPDATE experiments e SET state = 'succeeded', error = '', failure_kind = NULL, updated_at = now()
  WHERE e.id = ANY ($3::bigint[]) AND e.id >= $4 AND e.id <= $5),
logged AS (
  INSERT INTO events (kind, sweep_id, experiment_id, run_id, agent, device, message)
  SELECT k.kind, x.sweep_id, x.experiment_id, x.run_id, x.agent, x.device, k.message
  FROM x CROSS JOIN LATERAL (VALUES (0, 'run_started', 'run ' || x.run_id || ' started'),
                                    (1, 'measurement_warning', x.warnings), (2, 'run_succeeded', x.message))
    AS k(n, kind, message)
  WHERE (k.n = 0 AND x.start) OR (x.finished AND ((k.n = 1 AND x.warnings <> '') OR k.n = 2))
  ORDER BY x.ord, k.n),
device AS (
  SELECT DISTINCT ON (agent, device) agent, device, config_key FROM x WHERE x.finished
  ORDER BY agent, device, ord DESC)
UPDATE devices d SET consecutive_failures = 0, config_key = coalesce(device.config_key, d.config_key)
FROM agents a, device WHERE a.id = d.agent_id AND a.name = device.agent AND d.name = device.device
  AND (d.consecutive_failures <> 0 OR d.config_key IS DISTINCT FROM coalesce(device.config_key, d.config_key)))sql"},
      {kRunTraceHeader, "SELECT measurement::text FROM runs WHERE id = $1"},
      {kRunPowerSamples,
       "SELECT channel, t_ns, watts FROM power_samples WHERE run_id = $1 ORDER BY channel, t_ns"},
      {kRunLatencySamples,
       "SELECT repeat, idx, kind, coalesce(t_ns, 0), latency_us FROM latency_samples WHERE run_id = $1\n"
       "ORDER BY repeat, idx"},
      {kInsertRunMetric,
       "INSERT INTO run_metrics (run_id, position, name, value, unit) VALUES ($1, $2, $3, $4, $5)"},
      {kFailRun, "UPDATE runs SET state = 'failed', finished_at = " + AgentTime("$2") + R"sql(,
  environment = $3::jsonb, error = $4, failure_kind = $5
WHERE id = $1)sql"},
      // $4: retry after $5 milliseconds (retry_policy.h), else fail.
      {kFinishFailedAttempt,
       "UPDATE experiments\n"
       "SET state = CASE WHEN $4::boolean THEN 'pending' ELSE 'failed' END,\n"
       "    not_before = CASE WHEN $4::boolean THEN now() + $5::bigint * interval '1 millisecond' END,\n"
       "    error = $2, failure_kind = $3, updated_at = now()\n"
       "WHERE id = $1 RETURNING state"},
      {kExperimentAttempts, "SELECT attempts, max_attempts FROM experiments WHERE id = $1"},
      {kCountLatencySamples,
       "SELECT EXISTS (SELECT 1 FROM runs WHERE id = $1),\n"
       "       (SELECT count(*) FROM latency_samples WHERE run_id = $1)"},

      {kInsertEvent,
       "INSERT INTO events (kind, sweep_id, experiment_id, run_id, agent, message, device, duration_ms)\n"
       "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"},
      {kListEvents,
       "SELECT * FROM (\n"
       "  SELECT id, " + EpochMicros("at") + ", kind, coalesce(sweep_id, 0), coalesce(experiment_id, 0),\n"
       "         coalesce(run_id, 0), coalesce(agent, ''), coalesce(device, ''), message,\n"
       "         coalesce(duration_ms, 0)\n"
       "  FROM events\n"
       "  WHERE ($1::bigint = 0 OR sweep_id = $1) AND ($2::bigint = 0 OR run_id = $2)\n"
       "    AND ($3::text = '' OR agent = $3) AND ($4::text = '' OR device = $4)\n"
       "    AND ($5::text = '' OR kind = $5) AND id > $6::bigint\n"
       "  ORDER BY id DESC LIMIT $7) newest\n"
       "ORDER BY id"},

      // Cancelling a sweep: the sweep's row, then runs, then experiments
      // (the lock order of every statement here).
      // Whether sweep $1 was cancelled before, and whether it has work left
      // to cancel; locks its row against a concurrent cancel.
      {kLockSweepForCancel,
       "SELECT s.cancelled_at IS NOT NULL,\n"
       "       EXISTS (SELECT 1 FROM experiments e WHERE e.sweep_id = s.id AND " + InIdBlock("e", "s") + "\n"
       "                 AND e.state IN ('pending', 'running'))\n"
       "FROM sweeps s WHERE s.id = $1 FOR UPDATE OF s"},
      {kCancelSweep,
       "UPDATE sweeps SET cancelled_at = coalesce(cancelled_at, now()) WHERE id = $1 RETURNING id"},
      {kCancelSweepRuns,
       "UPDATE runs r SET state = 'cancelled', finished_at = now(), error = 'sweep cancelled'\n"
       "FROM experiments e\n"
       "WHERE e.id = r.experiment_id AND e.sweep_id = $1 AND r.state IN ('assigned', 'running')\n"
       "RETURNING r.id, r.agent, r.device, r.experiment_id"},
      {kCancelSweepExperiments,
       "WITH old AS (SELECT id, state FROM experiments\n"
       "             WHERE sweep_id = $1 AND state IN ('pending', 'running') FOR UPDATE)\n"
       "UPDATE experiments e SET state = 'cancelled', error = 'sweep cancelled', updated_at = now()\n"
       "FROM old WHERE e.id = old.id RETURNING old.state"},
  };
  return kStatements;
}

void PrepareAll(pqxx::connection& connection) {
  for (const auto& statement : Statements()) connection.prepare(statement.name, statement.text);
}

void PrepareForKeyLookups(pqxx::connection& connection) {
  PrepareAll(connection);
  pqxx::nontransaction(connection)
      .exec("SET enable_seqscan = off; SET plan_cache_mode = force_generic_plan; SET jit = off");
}

const CopyTarget& ExperimentsCopy() {
  static const CopyTarget kTarget{"experiments",
                                  {"id", "sweep_id", "ordinal", "platform", "parameters", "max_attempts",
                                   "config_key", "point_key", "settings_id"}};
  return kTarget;
}

std::string CreateSweepPart(const std::string& table, int64_t first_id, int64_t end_id) {
  // The check matches the partition bound, so ATTACH PARTITION trusts it
  // instead of reading every row.
  return "CREATE TABLE " + table + " (LIKE experiments INCLUDING DEFAULTS INCLUDING CONSTRAINTS,\n"
         "  CONSTRAINT " + table + "_ids CHECK (id >= " + std::to_string(first_id) + " AND id < " +
         std::to_string(end_id) + "))";
}

std::vector<std::string> IndexSweepPart(const std::string& table) {
  return {"ALTER TABLE " + table + " ADD PRIMARY KEY (id)",
          "CREATE INDEX ON " + table + " (sweep_id, platform, config_key, ordinal) WHERE state = 'pending'",
          "CREATE INDEX ON " + table + " USING brin (sweep_id)"};
}

std::string AttachSweepPart(const std::string& table, int64_t first_id, int64_t end_id) {
  return "ALTER TABLE experiments ATTACH PARTITION " + table + " FOR VALUES FROM (" + std::to_string(first_id) +
         ") TO (" + std::to_string(end_id) + ")";
}

std::string DropSweepPartCheck(const std::string& table) {
  return "ALTER TABLE " + table + " DROP CONSTRAINT " + table + "_ids";
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
