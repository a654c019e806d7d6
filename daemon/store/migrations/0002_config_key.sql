-- The configuration key of an experiment: the canonical text of the
-- parameters that force a device reconfiguration (power mode, firmware build
-- options, bitstream), so the scheduler can keep a device in one
-- configuration as long as work for it remains.
ALTER TABLE experiments ADD COLUMN config_key text NOT NULL DEFAULT '';
