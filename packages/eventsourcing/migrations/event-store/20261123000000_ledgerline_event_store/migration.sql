-- Ledgerline kernel: the event log and the tables that move events on (relay, consumers, sagas).
-- Applied with search_path set to the service's event-store schema (<service>_es).

CREATE TABLE "events" (
  "global_position" BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  -- Readers order by (transaction_id, global_position) and stop below the oldest running
  -- transaction, so a transaction that commits late is never skipped.
  "transaction_id"  XID8 NOT NULL DEFAULT pg_current_xact_id(),
  "stream_id"       TEXT NOT NULL,
  "stream_type"     TEXT NOT NULL,
  "stream_version"  INTEGER NOT NULL CHECK ("stream_version" > 0),
  "event_id"        UUID NOT NULL,
  "event_type"      TEXT NOT NULL,
  "schema_version"  INTEGER NOT NULL DEFAULT 1,
  "data"            JSONB NOT NULL,
  "metadata"        JSONB NOT NULL DEFAULT '{}',
  "recorded_at"     TIMESTAMPTZ NOT NULL DEFAULT now(),
  CONSTRAINT "events_stream_version_key" UNIQUE ("stream_id", "stream_version"),
  CONSTRAINT "events_event_id_key" UNIQUE ("event_id")
);
CREATE INDEX "events_log_order_idx" ON "events" ("transaction_id", "global_position");

-- Wakes subscribers at commit; one notification per appending statement.
CREATE FUNCTION "notify_events_appended"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify(TG_TABLE_SCHEMA || '_events', '');
  RETURN NULL;
END $$;
CREATE TRIGGER "events_appended" AFTER INSERT ON "events"
  FOR EACH STATEMENT EXECUTE FUNCTION "notify_events_appended"();

-- Values unique across streams (one account per e-mail), claimed in the append transaction.
CREATE TABLE "reservations" (
  "scope"       TEXT NOT NULL,
  "value"       TEXT NOT NULL,
  "stream_id"   TEXT NOT NULL,
  "reserved_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY ("scope", "value")
);

-- Checkpoints of log readers that are not read models (relay, process managers).
CREATE TABLE "positions" (
  "name"            TEXT PRIMARY KEY,
  "transaction_id"  XID8 NOT NULL,
  "global_position" BIGINT NOT NULL,
  "updated_at"      TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Messages a consumer has processed; written in the same transaction as the effect.
CREATE TABLE "inbox" (
  "consumer"     TEXT NOT NULL,
  "message_id"   TEXT NOT NULL,
  "processed_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY ("consumer", "message_id")
);

-- What could not be processed, with why; listed, retried or discarded from the ops CLI.
CREATE TABLE "dead_letters" (
  "id"              UUID PRIMARY KEY,
  "source_kind"     TEXT NOT NULL CHECK ("source_kind" IN ('projection', 'consumer', 'relay', 'saga')),
  "source_name"     TEXT NOT NULL,
  "message_id"      TEXT NOT NULL,
  "message_type"    TEXT,
  "global_position" BIGINT,
  "payload"         JSONB NOT NULL,
  "error"           TEXT NOT NULL,
  "attempts"        INTEGER NOT NULL,
  "status"          TEXT NOT NULL DEFAULT 'parked' CHECK ("status" IN ('parked', 'retried', 'discarded')),
  "created_at"      TIMESTAMPTZ NOT NULL DEFAULT now(),
  "resolved_at"     TIMESTAMPTZ
);
CREATE INDEX "dead_letters_source_idx" ON "dead_letters" ("source_kind", "source_name", "status");

-- Timeouts of process managers: delivered back to the saga when due.
CREATE TABLE "scheduled_messages" (
  "id"           UUID PRIMARY KEY,
  "saga"         TEXT NOT NULL,
  "saga_id"      TEXT NOT NULL,
  "message_type" TEXT NOT NULL,
  "payload"      JSONB NOT NULL,
  "due_at"       TIMESTAMPTZ NOT NULL,
  "delivered_at" TIMESTAMPTZ,
  "cancelled_at" TIMESTAMPTZ,
  "created_at"   TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX "scheduled_messages_due_idx" ON "scheduled_messages" ("due_at")
  WHERE "delivered_at" IS NULL AND "cancelled_at" IS NULL;
