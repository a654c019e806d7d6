-- Storing a million-point sweep in under 3 s (issue 3). What remained after
-- 0004 was the server maintaining three indexes row by row while parsing
-- every row's parameters into jsonb. So:
--
-- 1. experiments is partitioned by id range, and every sweep stores its
--    experiments in partitions of its own (PgStore::CreateSweep): a fresh
--    table is filled by COPY, its indexes are built afterwards in one sorted
--    pass each (about four times cheaper than row by row), and it is attached
--    under its block of ids. A big sweep is split over two tables filled over
--    two connections at once. Queries see one `experiments` table as before.
-- 2. parameters is json, not jsonb: the text is stored as written (it is
--    checked, not converted), and `parameters->>'batch'` works as before.
--    Operators that only jsonb has need `parameters::jsonb`.
-- 3. UNIQUE (sweep_id, ordinal) goes (a unique index on a partitioned table
--    must contain the partition key; the store checks a sweep's ordinals
--    before inserting them). Reads of one sweep find its rows through a BRIN
--    index on sweep_id, which costs next to nothing to build: every block of
--    a sweep's own table holds that sweep only, so the index rules a whole
--    table in or out, and the reads take most rows of their sweep anyway.
--
-- The existing rows become the first partition, below every id the sequence
-- will hand out from now on.
DROP VIEW experiment_settings;
ALTER TABLE runs DROP CONSTRAINT runs_experiment_id_fkey;

ALTER TABLE experiments RENAME TO experiments_before_0007;
ALTER INDEX experiments_pkey RENAME TO experiments_before_0007_pkey;
ALTER INDEX experiments_group_claim_idx RENAME TO experiments_before_0007_claim_idx;
ALTER TABLE experiments_before_0007 DROP CONSTRAINT experiments_sweep_id_ordinal_key;
ALTER TABLE experiments_before_0007 ALTER COLUMN parameters TYPE json USING parameters::json;

CREATE TABLE experiments (LIKE experiments_before_0007 INCLUDING DEFAULTS INCLUDING CONSTRAINTS)
  PARTITION BY RANGE (id);
ALTER TABLE experiments ADD PRIMARY KEY (id);
CREATE INDEX experiments_group_claim_idx ON experiments (sweep_id, platform, config_key, ordinal)
  WHERE state = 'pending';
CREATE INDEX experiments_sweep_idx ON experiments USING brin (sweep_id);
ALTER SEQUENCE experiments_id_seq OWNED BY experiments.id;

DO $$
DECLARE
  bound bigint;
BEGIN
  SELECT greatest(coalesce((SELECT max(id) FROM experiments_before_0007), 0), last_value) + 1
    INTO bound FROM experiments_id_seq;
  PERFORM setval('experiments_id_seq', bound, false);
  EXECUTE format('ALTER TABLE experiments ATTACH PARTITION experiments_before_0007 '
                 'FOR VALUES FROM (MINVALUE) TO (%s)', bound);
END $$;

ALTER TABLE runs ADD CONSTRAINT runs_experiment_id_fkey
  FOREIGN KEY (experiment_id) REFERENCES experiments (id) ON DELETE CASCADE;

-- Tables a second connection filled and committed for a sweep whose own
-- transaction has not attached them yet. That transaction deletes the row
-- when it attaches the table; a row left behind (the coordinator died in
-- between) names a table nobody will attach, which PgStore::Open drops.
CREATE TABLE sweep_part_staging (
  table_name text PRIMARY KEY,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE VIEW experiment_settings AS
SELECT e.id AS experiment_id, e.sweep_id, e.ordinal, e.platform, e.parameters, s.warmup,
       s.iterations, s.repeats, s.timeout_ms, s.min_duration_ms, s.power_sample_hz,
       s.power_idle_ms, s.power_base_ms, s.requires, s.ci_target, s.max_repeats
FROM experiments e JOIN run_settings s ON s.id = e.settings_id;
