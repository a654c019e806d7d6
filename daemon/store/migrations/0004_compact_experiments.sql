-- Storing a sweep of a million experiments in a few seconds (issue 3). Every
-- byte and every check per experiment row counts at that size, so:
--
-- 1. The run settings, which are the same for all experiments of a sweep on
--    one platform, move out of each row into `run_settings`, one row per
--    distinct set in a sweep (usually one per platform); an experiment names
--    its set by `settings_id`. The view `experiment_settings` joins them back
--    for SQL users who want the old columns.
-- 2. The foreign key experiments.sweep_id -> sweeps goes. Its check cost a
--    lookup in the sweeps index for every inserted row (about a third of the
--    server's time for a large sweep). Integrity is kept by the store, the
--    only writer: it inserts a sweep's experiments in the transaction that
--    created the sweep, and nothing deletes sweeps. Trade-off: `DELETE FROM
--    sweeps` by hand no longer cascades; delete the sweep's experiments (and
--    their runs, which still cascade from experiments) and run_settings first.
--    Likewise run_settings.id is not a foreign key of experiments.settings_id.
--
-- experiments.parameters stays jsonb, so results remain queryable as before
-- (`parameters->>'batch'`); UNIQUE (sweep_id, ordinal) and the claim index
-- stay, as the reads need them.
CREATE TABLE run_settings (
  id              bigserial PRIMARY KEY,
  sweep_id        bigint NOT NULL REFERENCES sweeps (id) ON DELETE CASCADE,
  warmup          integer NOT NULL,
  iterations      integer NOT NULL,
  repeats         integer NOT NULL,
  timeout_ms      bigint NOT NULL,
  min_duration_ms bigint NOT NULL,
  power_sample_hz integer NOT NULL,
  power_idle_ms   bigint NOT NULL,
  power_base_ms   bigint NOT NULL,
  -- Device labels the experiment's device must carry.
  requires        jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX run_settings_sweep_idx ON run_settings (sweep_id);

ALTER TABLE experiments ADD COLUMN settings_id bigint;
INSERT INTO run_settings (sweep_id, warmup, iterations, repeats, timeout_ms, min_duration_ms,
                          power_sample_hz, power_idle_ms, power_base_ms, requires)
SELECT DISTINCT sweep_id, warmup, iterations, repeats, timeout_ms, min_duration_ms,
       power_sample_hz, power_idle_ms, power_base_ms, requires
FROM experiments;
UPDATE experiments e SET settings_id = s.id
FROM run_settings s
WHERE s.sweep_id = e.sweep_id AND s.warmup = e.warmup AND s.iterations = e.iterations
  AND s.repeats = e.repeats AND s.timeout_ms = e.timeout_ms
  AND s.min_duration_ms = e.min_duration_ms AND s.power_sample_hz = e.power_sample_hz
  AND s.power_idle_ms = e.power_idle_ms AND s.power_base_ms = e.power_base_ms
  AND s.requires = e.requires;
ALTER TABLE experiments ALTER COLUMN settings_id SET NOT NULL;
ALTER TABLE experiments
  DROP COLUMN warmup, DROP COLUMN iterations, DROP COLUMN repeats, DROP COLUMN timeout_ms,
  DROP COLUMN min_duration_ms, DROP COLUMN power_sample_hz, DROP COLUMN power_idle_ms,
  DROP COLUMN power_base_ms, DROP COLUMN requires;
ALTER TABLE experiments DROP CONSTRAINT experiments_sweep_id_fkey;

CREATE VIEW experiment_settings AS
SELECT e.id AS experiment_id, e.sweep_id, e.ordinal, e.platform, e.parameters, s.warmup,
       s.iterations, s.repeats, s.timeout_ms, s.min_duration_ms, s.power_sample_hz,
       s.power_idle_ms, s.power_base_ms, s.requires
FROM experiments e JOIN run_settings s ON s.id = e.settings_id;
