-- Bench read model: one summary row per account stream.
CREATE TABLE "account_summary" (
  "id"          TEXT PRIMARY KEY,
  "event_count" INTEGER NOT NULL,
  "last_type"   TEXT NOT NULL,
  "total"       BIGINT NOT NULL
);
