-- What the full sweep language stores: sweep priority and the sweep a
-- resubmission resumed; per experiment its stable point key, the device
-- labels it requires, its minimum measuring time and its power sampling.
ALTER TABLE sweeps ADD COLUMN priority integer NOT NULL DEFAULT 0;
ALTER TABLE sweeps ADD COLUMN resumed_from bigint REFERENCES sweeps (id);
ALTER TABLE experiments ADD COLUMN point_key text NOT NULL DEFAULT '';
ALTER TABLE experiments ADD COLUMN requires jsonb NOT NULL DEFAULT '{}';
ALTER TABLE experiments ADD COLUMN min_duration_ms bigint NOT NULL DEFAULT 0;
ALTER TABLE experiments ADD COLUMN power_sample_hz integer NOT NULL DEFAULT 0;
ALTER TABLE experiments ADD COLUMN power_idle_ms bigint NOT NULL DEFAULT 0;
ALTER TABLE experiments ADD COLUMN power_base_ms bigint NOT NULL DEFAULT 0;
-- The attempts a rerun grants: max_attempts as first stored. Attempt numbers
-- never restart (they fence stale reports), so a rerun raises max_attempts.
ALTER TABLE experiments ADD COLUMN attempt_budget integer;
