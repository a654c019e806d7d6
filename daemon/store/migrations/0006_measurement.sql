-- Power and measurement statistics (issue 6).
--
-- run_settings: adaptive repeats. ci_target is the relative half-width of the
-- 95 % confidence interval of the mean over repeats at which a run stops
-- repeating (0: exactly `repeats`); max_repeats caps it.
ALTER TABLE run_settings
  ADD COLUMN ci_target double precision NOT NULL DEFAULT 0,
  ADD COLUMN max_repeats integer NOT NULL DEFAULT 0;

-- runs: the primary rail's figures as columns, so SQL can filter and
-- aggregate on them; everything else (every rail, every phase with its
-- sample count and rate, the phase marks, each repeat's statistics, the
-- warnings) as one JSON document of the RunSummary fields power, repeats and
-- warnings.
ALTER TABLE runs
  ADD COLUMN base_w double precision,
  ADD COLUMN idle_w double precision,
  ADD COLUMN full_w double precision,
  ADD COLUMN energy_per_inference_j double precision,
  ADD COLUMN dynamic_energy_per_inference_j double precision,
  ADD COLUMN repeat_count integer,
  ADD COLUMN warnings text NOT NULL DEFAULT '',
  ADD COLUMN measurement jsonb NOT NULL DEFAULT '{}';

-- `benchctl trace RUN` reads one run's power samples in time order.
DROP INDEX power_samples_run_idx;
CREATE INDEX power_samples_run_idx ON power_samples (run_id, channel, t_ns);

CREATE OR REPLACE VIEW experiment_settings AS
SELECT e.id AS experiment_id, e.sweep_id, e.ordinal, e.platform, e.parameters, s.warmup,
       s.iterations, s.repeats, s.timeout_ms, s.min_duration_ms, s.power_sample_hz,
       s.power_idle_ms, s.power_base_ms, s.requires, s.ci_target, s.max_repeats
FROM experiments e JOIN run_settings s ON s.id = e.settings_id;
