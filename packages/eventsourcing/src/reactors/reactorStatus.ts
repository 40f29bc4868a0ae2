import type { Pool } from 'pg';
import { quoteIdent, schemasOf } from '../postgres/sql.js';
import { readPosition } from '../relay/positions.js';
import type { LogPosition } from '../store/types.js';
import { reactorWorkerName } from './reactor.js';

/** Where a reactor is, how far behind, whether an instance runs it, and what it parked. */
export interface ReactorStatus {
  name: string;
  checkpoint: LogPosition;
  /** Events after the checkpoint (handled or not). */
  lag: number;
  /** An instance holds the reactor's worker lock. */
  running: boolean;
  deadLetters: number;
}

/** Reads a reactor's status from `<service>_es` and pg_locks (for `projections status`). */
export async function readReactorStatus(pool: Pool, service: string, name: string): Promise<ReactorStatus> {
  const schema = schemasOf(service).eventStore;
  const worker = reactorWorkerName({ name });
  const checkpoint = await readPosition(pool, schema, worker);
  const { rows } = await pool.query<{ lag: string; parked: string; running: boolean }>(
    `SELECT
       (SELECT count(*) FROM ${quoteIdent(schema)}."events"
         WHERE (transaction_id, global_position) > ($1::text::xid8, $2::bigint)) AS lag,
       (SELECT count(*) FROM ${quoteIdent(schema)}."dead_letters"
         WHERE source_kind = 'reactor' AND source_name = $3 AND status = 'parked') AS parked,
       EXISTS (SELECT 1 FROM pg_locks
         WHERE locktype = 'advisory' AND granted AND objsubid = 2
           AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
           AND classid = hashtext($4)::oid AND objid = hashtext($5)::oid) AS running`,
    [String(checkpoint.transactionId), checkpoint.globalPosition, name, `ll-worker:${service}`, worker],
  );
  const row = rows[0]!;
  return { name, checkpoint, lag: Number(row.lag), running: row.running, deadLetters: Number(row.parked) };
}
