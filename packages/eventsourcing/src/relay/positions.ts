import type { Pool, PoolClient } from 'pg';
import { quoteIdent } from '../postgres/sql.js';
import { type LogPosition, START } from '../store/types.js';

type Db = Pool | PoolClient;

const table = (schema: string) => `${quoteIdent(schema)}."positions"`;

/** The position a log reader (relay, process manager) has passed, from `<service>_es.positions`. */
export async function readPosition(db: Db, schema: string, name: string): Promise<LogPosition> {
  const { rows } = await db.query<{ transaction_id: string; global_position: string }>({
    name: `${schema}:readPosition`,
    text: `SELECT transaction_id::text AS transaction_id, global_position FROM ${table(schema)} WHERE name = $1`,
    values: [name],
  });
  const row = rows[0];
  return row
    ? { transactionId: Number(row.transaction_id), globalPosition: Number(row.global_position) }
    : START;
}

/**
 * Stores a reader's position. It only moves forward: a late writer (a relayOnce racing a relay
 * that lost its lock) can never send the reader back and make it republish a long tail.
 */
export async function writePosition(
  db: Db,
  schema: string,
  name: string,
  position: LogPosition,
): Promise<void> {
  // Named (prepared once per connection): the relay writes its position after every batch it
  // publishes, which under command load is every few events.
  await db.query({
    name: `${schema}:writePosition`,
    text: `INSERT INTO ${table(schema)} AS p (name, transaction_id, global_position, updated_at)
     VALUES ($1, $2::text::xid8, $3, now())
     ON CONFLICT (name) DO UPDATE
       SET transaction_id = excluded.transaction_id, global_position = excluded.global_position, updated_at = now()
       WHERE (p.transaction_id, p.global_position) < (excluded.transaction_id, excluded.global_position)`,
    values: [name, String(position.transactionId), position.globalPosition],
  });
}
