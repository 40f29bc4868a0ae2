import type { Pool, PoolClient } from 'pg';
import { quoteIdent, schemasOf } from '../postgres/sql.js';

/**
 * Records that `consumer` processed `messageId`, inside the caller's transaction. False when the
 * row was already there: a duplicate delivery, whose effect is already committed.
 */
export async function claimInbox(client: PoolClient, service: string, consumer: string, messageId: string) {
  const { rowCount } = await client.query({
    name: `${schemasOf(service).eventStore}:claimInbox`,
    text: `INSERT INTO ${quoteIdent(schemasOf(service).eventStore)}."inbox" (consumer, message_id)
           VALUES ($1, $2) ON CONFLICT DO NOTHING`,
    values: [consumer, messageId],
  });
  return rowCount === 1;
}

/** True when a message is already parked for this source (a redelivery must not park it twice). */
export async function isParked(db: Pool | PoolClient, service: string, consumer: string, messageId: string) {
  const { rowCount } = await db.query(
    `SELECT 1 FROM ${quoteIdent(schemasOf(service).eventStore)}."dead_letters"
     WHERE source_kind = 'consumer' AND source_name = $1 AND message_id = $2 AND status = 'parked'`,
    [consumer, messageId],
  );
  return (rowCount ?? 0) > 0;
}
