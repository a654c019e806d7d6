-- Parameters a device's driver cannot run without (a host-cpu device needs
-- `precision`, a command device every parameter its argv names), as the
-- agent's hello lists them. A claim gives the device only experiments that
-- have all of them, and an experiment no device can take counts as
-- unschedulable instead of failing on every device in turn.
ALTER TABLE devices ADD COLUMN required_parameters text[] NOT NULL DEFAULT '{}';
