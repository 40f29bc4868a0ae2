import { uuidv7 } from '@ledgerline/contracts';
import type { PoolClient } from 'pg';
import type { ScheduledTimeout } from '../store/types.js';
import { quoteIdent } from './sql.js';

/**
 * Inserts saga timeouts into `<schema>.scheduled_messages` (one statement for all of them), for the
 * scheduler to deliver when due. Used by saga steps and by appends that start a saga's clock
 * (StreamAppend.schedule).
 */
export function insertTimeouts(client: PoolClient, schema: string, timeouts: ScheduledTimeout[]) {
  const rows = timeouts.map((t) => [
    uuidv7(),
    t.saga,
    t.sagaId,
    t.type,
    JSON.stringify(t.payload ?? null),
    t.dueAt.toISOString(),
  ]);
  return client.query(
    `INSERT INTO ${quoteIdent(schema)}."scheduled_messages" (id, saga, saga_id, message_type, payload, due_at)
     SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::jsonb[], $6::timestamptz[])`,
    Array.from({ length: 6 }, (_, c) => rows.map((row) => row[c]!)),
  );
}
