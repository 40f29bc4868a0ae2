import type { Pool, PoolClient } from 'pg';
import { quoteIdent } from '../postgres/sql.js';
import { type LogPosition, START } from '../store/types.js';

type Db = Pool | PoolClient;

/** The position a projection has applied up to, from its read-model schema. */
export async function readCheckpoint(db: Db, schema: string, projection: string): Promise<LogPosition> {
  const { rows } = await db.query<{ transaction_id: string; global_position: string }>(
    `SELECT transaction_id::text AS transaction_id, global_position
     FROM ${quoteIdent(schema)}."projection_checkpoints" WHERE projection = $1`,
    [projection],
  );
  const row = rows[0];
  return row
    ? { transactionId: Number(row.transaction_id), globalPosition: Number(row.global_position) }
    : START;
}

/** Stores checkpoints for several projections in one statement. */
export async function writeCheckpoints(
  db: Db,
  schema: string,
  projections: string[],
  position: LogPosition,
): Promise<void> {
  await db.query(
    `INSERT INTO ${quoteIdent(schema)}."projection_checkpoints" (projection, transaction_id, global_position, updated_at)
     SELECT p, $2::text::xid8, $3, now() FROM unnest($1::text[]) AS p
     ON CONFLICT (projection) DO UPDATE
       SET transaction_id = EXCLUDED.transaction_id, global_position = EXCLUDED.global_position, updated_at = now()`,
    [projections, String(position.transactionId), position.globalPosition],
  );
}
