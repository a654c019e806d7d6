-- A device whose probe failed when its agent started is registered anyway,
-- with the reason, instead of being left out where no operator sees it; it
-- gets no work until a health check (a new probe) passes.
ALTER TABLE devices ADD COLUMN unavailable_reason text NOT NULL DEFAULT '';
