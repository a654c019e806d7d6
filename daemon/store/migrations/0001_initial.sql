-- benchd schema, version 1. Applied once by the daemon at start-up (see
-- migrations.cc); never edit a released migration, add a new file instead.
-- All times are timestamptz; the server stores them in UTC.

CREATE TABLE sweeps (
  id           bigserial PRIMARY KEY,
  name         text NOT NULL,
  yaml         text NOT NULL,
  submitted_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE experiments (
  id           bigserial PRIMARY KEY,
  sweep_id     bigint NOT NULL REFERENCES sweeps (id) ON DELETE CASCADE,
  ordinal      integer NOT NULL,
  platform     text NOT NULL,
  parameters   jsonb NOT NULL,
  warmup       integer NOT NULL DEFAULT 0,
  iterations   integer NOT NULL DEFAULT 0,
  repeats      integer NOT NULL DEFAULT 0,
  timeout_ms   bigint NOT NULL DEFAULT 0,
  state        text NOT NULL DEFAULT 'pending'
               CHECK (state IN ('pending', 'running', 'succeeded', 'failed', 'cancelled')),
  attempts     integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  max_attempts integer NOT NULL CHECK (max_attempts >= 1),
  error        text NOT NULL DEFAULT '',
  failure_kind text CHECK (failure_kind IN ('measurement', 'infrastructure')),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  UNIQUE (sweep_id, ordinal)
);
-- Claiming looks for the oldest pending experiment of one platform. A partial
-- index holds only pending rows, so it stays small however many experiments
-- have finished, and its order matches the claim's ORDER BY.
CREATE INDEX experiments_claim_idx ON experiments (platform, sweep_id, ordinal)
  WHERE state = 'pending';

CREATE TABLE agents (
  id        bigserial PRIMARY KEY,
  name      text NOT NULL UNIQUE,
  hostname  text NOT NULL DEFAULT '',
  version   text NOT NULL DEFAULT '',
  connected boolean NOT NULL DEFAULT false,
  last_seen timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE devices (
  id       bigserial PRIMARY KEY,
  agent_id bigint NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
  name     text NOT NULL,
  driver   text NOT NULL DEFAULT '',
  platform text NOT NULL DEFAULT '',
  labels   jsonb NOT NULL DEFAULT '{}',
  UNIQUE (agent_id, name)
);

-- One row per attempt of an experiment. Agent and device are names rather
-- than foreign keys: a run's history must survive an agent being renamed or
-- a device being unplugged.
CREATE TABLE runs (
  id               bigserial PRIMARY KEY,
  experiment_id    bigint NOT NULL REFERENCES experiments (id) ON DELETE CASCADE,
  attempt          integer NOT NULL CHECK (attempt >= 1),
  agent            text NOT NULL,
  device           text NOT NULL,
  state            text NOT NULL DEFAULT 'assigned'
                   CHECK (state IN ('assigned', 'running', 'succeeded', 'failed', 'lost')),
  assigned_at      timestamptz NOT NULL DEFAULT now(),
  started_at       timestamptz,
  finished_at      timestamptz,
  -- Every stored report extends the lease by the length it was granted with.
  lease_ms         bigint NOT NULL CHECK (lease_ms > 0),
  lease_expires_at timestamptz NOT NULL,
  error            text NOT NULL DEFAULT '',
  failure_kind     text CHECK (failure_kind IN ('measurement', 'infrastructure')),
  environment      jsonb NOT NULL DEFAULT '{}',
  -- The RunSummary of a succeeded run, as columns so that SQL can filter and
  -- aggregate on them.
  latency_kind     smallint,
  latency_count    bigint,
  mean_us          double precision,
  std_us           double precision,
  min_us           double precision,
  max_us           double precision,
  median_us        double precision,
  p90_us           double precision,
  p95_us           double precision,
  p99_us           double precision,
  ci95_low_us      double precision,
  ci95_high_us     double precision,
  fps              double precision,
  gops             double precision,
  inferences       bigint,
  UNIQUE (experiment_id, attempt)
);
CREATE INDEX runs_active_agent_idx ON runs (agent) WHERE state IN ('assigned', 'running');
CREATE INDEX runs_active_lease_idx ON runs (lease_expires_at) WHERE state IN ('assigned', 'running');

-- RunSummary.extra, in the order the agent sent it (names may repeat).
CREATE TABLE run_metrics (
  run_id   bigint NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  position integer NOT NULL,
  name     text NOT NULL,
  value    double precision NOT NULL,
  unit     text NOT NULL DEFAULT '',
  PRIMARY KEY (run_id, position)
);

-- The sample tables carry no foreign key: they are written by COPY at high
-- rates, and a per-row key check would cost more than the insert. Rows are
-- only written in the transaction that ledgered their report against an
-- existing run (run_reports has the key).
CREATE TABLE latency_samples (
  run_id     bigint NOT NULL,
  repeat     integer NOT NULL,
  idx        bigint NOT NULL,
  kind       smallint NOT NULL,
  t_ns       bigint,
  latency_us double precision NOT NULL
);
CREATE INDEX latency_samples_run_idx ON latency_samples (run_id);

CREATE TABLE power_samples (
  run_id  bigint NOT NULL,
  channel text NOT NULL,
  t_ns    bigint NOT NULL,
  watts   double precision NOT NULL
);
CREATE INDEX power_samples_run_idx ON power_samples (run_id);

-- The idempotency ledger: one row per stored report. A replayed report finds
-- its row here and changes nothing.
CREATE TABLE run_reports (
  run_id      bigint NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  seq         bigint NOT NULL CHECK (seq >= 1),
  kind        text NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (run_id, seq)
);

-- What happened, for operators and `benchctl`: state changes, agent
-- connections, agent log lines.
CREATE TABLE events (
  id            bigserial PRIMARY KEY,
  at            timestamptz NOT NULL DEFAULT now(),
  kind          text NOT NULL,
  sweep_id      bigint,
  experiment_id bigint,
  run_id        bigint,
  agent         text,
  message       text NOT NULL DEFAULT ''
);
CREATE INDEX events_sweep_idx ON events (sweep_id, id);
CREATE INDEX events_run_idx ON events (run_id, id);
