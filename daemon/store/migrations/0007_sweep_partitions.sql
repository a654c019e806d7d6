-- Storing a million-point sweep in under 3 s (issue 3). What remained after
-- 0004 was the server maintaining three indexes row by row while parsing
-- every row's parameters into jsonb. So:
--
-- 1. experiments is partitioned by id range. A large sweep (PgStore's
--    `parallel_store_from`, 100,000 experiments) stores its experiments in
--    tables of its own (PgStore::CreateSweep): a fresh table is filled by
--    COPY, its indexes are built afterwards in one pass each (about four
--    times cheaper than row by row), and it is attached under its block of
--    ids, taken from `experiment_table_ids`, which starts at 2^52. It is
--    split over two such tables, filled over two connections at once.
--    Smaller sweeps, and every experiment stored before this migration, live
--    in one shared partition, `experiments_shared`, which holds the ids below
--    2^52 (the old sequence). So the partitions stay few, as every statement
--    that cannot tell a sweep's partition from its parameters is planned over
--    all of them; claims and progress reads name the sweep's id range
--    (sweeps.first_experiment_id, end_experiment_id), which prunes the rest.
--    Queries see one `experiments` table as before.
-- 2. parameters is json, not jsonb: the text is stored as written (it is
--    checked, not converted), and `parameters->>'batch'` works as before.
--    Operators that only jsonb has need `parameters::jsonb`.
-- 3. UNIQUE (sweep_id, ordinal) goes (a unique index on a partitioned table
--    must contain the partition key; the store checks a sweep's ordinals
--    before inserting them). Reads of one sweep find its rows through a BRIN
--    index on sweep_id, which costs next to nothing to build: every block of
--    a sweep's own table holds that sweep only, and the shared partition is
--    written a sweep at a time.
DROP VIEW experiment_settings;
ALTER TABLE runs DROP CONSTRAINT runs_experiment_id_fkey;

ALTER TABLE experiments RENAME TO experiments_shared;
ALTER INDEX experiments_pkey RENAME TO experiments_shared_pkey;
ALTER INDEX experiments_group_claim_idx RENAME TO experiments_shared_claim_idx;
ALTER TABLE experiments_shared DROP CONSTRAINT experiments_sweep_id_ordinal_key;
ALTER TABLE experiments_shared ALTER COLUMN parameters TYPE json USING parameters::json;

CREATE TABLE experiments (LIKE experiments_shared INCLUDING DEFAULTS INCLUDING CONSTRAINTS)
  PARTITION BY RANGE (id);
ALTER TABLE experiments ADD PRIMARY KEY (id);
CREATE INDEX experiments_group_claim_idx ON experiments (sweep_id, platform, config_key, ordinal)
  WHERE state = 'pending';
CREATE INDEX experiments_sweep_idx ON experiments USING brin (sweep_id);
ALTER SEQUENCE experiments_id_seq OWNED BY experiments.id;

ALTER TABLE experiments ATTACH PARTITION experiments_shared
  FOR VALUES FROM (MINVALUE) TO (4503599627370496);
CREATE SEQUENCE experiment_table_ids START WITH 4503599627370496;

-- Each sweep's block of ids, [first, end): claims and progress reads name it
-- so that only the sweep's partitions are planned and read. Empty for a
-- sweep without experiments.
ALTER TABLE sweeps
  ADD COLUMN first_experiment_id bigint,
  ADD COLUMN end_experiment_id bigint;
UPDATE sweeps s SET first_experiment_id = b.first, end_experiment_id = b.last + 1
FROM (SELECT sweep_id, min(id) AS first, max(id) AS last FROM experiments GROUP BY sweep_id) b
WHERE b.sweep_id = s.id;

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
