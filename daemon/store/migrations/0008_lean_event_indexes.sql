-- Dispatch throughput (issue 5). Every experiment logs three events
-- (run_assigned, run_started, run_succeeded), and each event was entered in
-- five indexes: a third of what a no-op experiment writes to the WAL. Two of
-- them served only `benchctl events --kind / --agent`:
--
-- * events_kind_idx now holds only the rarer kinds (agent connections,
--   lease expiries, quarantines, reconfigurations, rejections ...), where an
--   index is what finds the newest few among millions; the three run
--   lifecycle kinds are most of the table, and the newest of them are found
--   walking the primary key backwards. PostgreSQL uses the partial index
--   when the query names a kind outside the three (custom plans prove it).
-- * events_agent_idx is dropped: an agent's newest events are found walking
--   the primary key backwards too; only for an agent silent for most of the
--   table's history does that read far.
--
-- benchd-dispatch-bench, 16 agents x 4 devices, dropping both against keeping
-- them on one database: 13-19 % more experiments per second.
DROP INDEX events_kind_idx;
CREATE INDEX events_kind_idx ON events (kind, id)
  WHERE kind NOT IN ('run_assigned', 'run_started', 'run_succeeded');
DROP INDEX events_agent_idx;
