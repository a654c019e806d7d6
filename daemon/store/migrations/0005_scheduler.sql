-- Scheduler and experiment lifecycle (issue 5): device health and operator
-- state, draining agents, cancelled sweeps, retry backoff, cancelled runs,
-- timed events, and an index that serves claims by work group.

-- Operator and health state of a device. Kept across reconnects: the agent's
-- hello updates what the agent knows (driver, labels, domains, configuration)
-- and leaves these alone.
ALTER TABLE devices
  ADD COLUMN enabled              boolean NOT NULL DEFAULT true,
  ADD COLUMN quarantined          boolean NOT NULL DEFAULT false,
  ADD COLUMN quarantine_reason    text    NOT NULL DEFAULT '',
  ADD COLUMN consecutive_failures integer NOT NULL DEFAULT 0,
  ADD COLUMN last_error           text    NOT NULL DEFAULT '',
  -- The configuration key the device was last set up for ('' unknown).
  ADD COLUMN config_key           text    NOT NULL DEFAULT '',
  -- {"param": ["value", ...]}: the device runs only these values of a param.
  ADD COLUMN domains              jsonb   NOT NULL DEFAULT '{}',
  ADD COLUMN has_health_check     boolean NOT NULL DEFAULT false;

ALTER TABLE agents ADD COLUMN draining boolean NOT NULL DEFAULT false;

ALTER TABLE sweeps ADD COLUMN cancelled_at timestamptz;

-- An experiment requeued after an infrastructure failure waits until then.
ALTER TABLE experiments ADD COLUMN not_before timestamptz;

ALTER TABLE runs DROP CONSTRAINT runs_state_check;
ALTER TABLE runs ADD CONSTRAINT runs_state_check
  CHECK (state IN ('assigned', 'running', 'succeeded', 'failed', 'lost', 'cancelled'));

ALTER TABLE events
  ADD COLUMN device      text,
  ADD COLUMN duration_ms bigint;
CREATE INDEX events_kind_idx ON events (kind, id);
CREATE INDEX events_agent_idx ON events (agent, id);

-- Claims take the first pending experiment of one work group (sweep,
-- platform, configuration, required labels) in ordinal order; the scheduler
-- ranks the groups (scheduling_policy.h). Replaces the per-platform index.
DROP INDEX experiments_claim_idx;
CREATE INDEX experiments_group_claim_idx ON experiments (sweep_id, platform, config_key, ordinal)
  WHERE state = 'pending';
