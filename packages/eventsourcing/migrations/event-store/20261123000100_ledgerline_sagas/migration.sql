-- Ledgerline kernel: the commands process managers send, kept until they are answered.
-- Written in the saga's decision transaction (an outbox), so a crash after the commit cannot lose a
-- command; sent after the commit with its idempotency key, and resent with the same key on retry.
CREATE TABLE "saga_commands" (
  "idempotency_key" TEXT PRIMARY KEY,
  "saga"            TEXT NOT NULL,
  "saga_id"         TEXT NOT NULL,
  "subject"         TEXT NOT NULL,
  "payload"         JSONB NOT NULL,
  "meta"            JSONB NOT NULL DEFAULT '{}',
  "attempts"        INTEGER NOT NULL DEFAULT 0,
  "next_attempt_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
  "sent_at"         TIMESTAMPTZ,
  "outcome"         TEXT CHECK ("outcome" IN ('ok', 'failed')),
  "reply"           JSONB,
  "created_at"      TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX "saga_commands_pending_idx" ON "saga_commands" ("next_attempt_at") WHERE "sent_at" IS NULL;
