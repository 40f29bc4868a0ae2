-- A NOTIFY inside the append transaction takes Postgres' global notify lock at commit and holds
-- it through the WAL flush, so concurrent appenders committed one at a time (8 writers ran slower
-- than 1). Appenders now notify after their commit, coalesced, outside the transaction.
DROP TRIGGER IF EXISTS "events_appended" ON "events";
DROP FUNCTION IF EXISTS "notify_events_appended"();
