-- Ledgerline kernel: projection checkpoints live beside the read models they describe, so a
-- blue/green schema swap moves data and checkpoints together.
CREATE TABLE "projection_checkpoints" (
  "projection"      TEXT PRIMARY KEY,
  "transaction_id"  XID8 NOT NULL,
  "global_position" BIGINT NOT NULL,
  "updated_at"      TIMESTAMPTZ NOT NULL DEFAULT now()
);
