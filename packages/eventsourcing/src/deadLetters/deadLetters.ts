import { uuidv7 } from '@ledgerline/contracts';
import type { Pool, PoolClient } from 'pg';
import { quoteIdent, schemasOf } from '../postgres/sql.js';

type Db = Pool | PoolClient;

export type DeadLetterSource = 'projection' | 'consumer' | 'relay' | 'saga' | 'reactor';
export type DeadLetterStatus = 'parked' | 'retried' | 'discarded';

/** A message that could not be processed, kept with why (ARCHITECTURE.md, "poison event"). */
export interface DeadLetter {
  id: string;
  sourceKind: DeadLetterSource;
  sourceName: string;
  messageId: string;
  messageType: string | null;
  globalPosition: number | null;
  payload: unknown;
  error: string;
  attempts: number;
  status: DeadLetterStatus;
  createdAt: string;
  resolvedAt: string | null;
}

export interface ParkInput {
  sourceKind: DeadLetterSource;
  sourceName: string;
  messageId: string;
  messageType?: string;
  globalPosition?: number;
  payload: unknown;
  error: unknown;
  attempts: number;
}

const table = (service: string) => `${quoteIdent(schemasOf(service).eventStore)}."dead_letters"`;

/** Describes an error for a dead letter: its name and message (and its cause's). */
export const describeError = (error: unknown): string => {
  if (!(error instanceof Error)) return String(error);
  const cause =
    error.cause instanceof Error ? ` (caused by ${error.cause.name}: ${error.cause.message})` : '';
  return `${error.name}: ${error.message}${cause}`;
};

/** Parks a message; call it inside the transaction that moves the reader past it. */
export async function parkDeadLetter(db: Db, service: string, input: ParkInput): Promise<string> {
  const id = uuidv7();
  await db.query(
    `INSERT INTO ${table(service)}
       (id, source_kind, source_name, message_id, message_type, global_position, payload, error, attempts)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [
      id,
      input.sourceKind,
      input.sourceName,
      input.messageId,
      input.messageType ?? null,
      input.globalPosition ?? null,
      JSON.stringify(input.payload ?? null),
      describeError(input.error),
      input.attempts,
    ],
  );
  return id;
}

const COLUMNS = `id, source_kind, source_name, message_id, message_type, global_position, payload, error,
  attempts, status, to_json(created_at) #>> '{}' AS created_at, to_json(resolved_at) #>> '{}' AS resolved_at`;

interface Row {
  id: string;
  source_kind: DeadLetterSource;
  source_name: string;
  message_id: string;
  message_type: string | null;
  global_position: string | null;
  payload: unknown;
  error: string;
  attempts: number;
  status: DeadLetterStatus;
  created_at: string;
  resolved_at: string | null;
}

const toDeadLetter = (r: Row): DeadLetter => ({
  id: r.id,
  sourceKind: r.source_kind,
  sourceName: r.source_name,
  messageId: r.message_id,
  messageType: r.message_type,
  globalPosition: r.global_position === null ? null : Number(r.global_position),
  payload: r.payload,
  error: r.error,
  attempts: r.attempts,
  status: r.status,
  createdAt: r.created_at,
  resolvedAt: r.resolved_at,
});

export interface ListDeadLettersFilter {
  sourceKind?: DeadLetterSource;
  sourceName?: string;
  status?: DeadLetterStatus;
  limit?: number;
}

/** Lists dead letters of a service, newest first. */
export async function listDeadLetters(db: Db, service: string, filter: ListDeadLettersFilter = {}) {
  const { rows } = await db.query<Row>(
    `SELECT ${COLUMNS} FROM ${table(service)}
     WHERE ($1::text IS NULL OR source_kind = $1) AND ($2::text IS NULL OR source_name = $2)
       AND ($3::text IS NULL OR status = $3)
     ORDER BY created_at DESC, id DESC LIMIT $4`,
    [filter.sourceKind ?? null, filter.sourceName ?? null, filter.status ?? null, filter.limit ?? 100],
  );
  return rows.map(toDeadLetter);
}

/** One dead letter by id. */
export async function getDeadLetter(db: Db, service: string, id: string): Promise<DeadLetter | undefined> {
  const { rows } = await db.query<Row>(`SELECT ${COLUMNS} FROM ${table(service)} WHERE id = $1`, [id]);
  return rows[0] && toDeadLetter(rows[0]);
}

/**
 * Resolves a parked dead letter (retried or discarded) and returns it, or undefined when it is
 * not parked any more: resolving in the retry's own transaction makes a retry apply once.
 */
export async function resolveDeadLetter(
  db: Db,
  service: string,
  id: string,
  status: Exclude<DeadLetterStatus, 'parked'>,
): Promise<DeadLetter | undefined> {
  const { rows } = await db.query<Row>(
    `UPDATE ${table(service)} SET status = $2, resolved_at = now()
     WHERE id = $1 AND status = 'parked' RETURNING ${COLUMNS}`,
    [id, status],
  );
  return rows[0] && toDeadLetter(rows[0]);
}
