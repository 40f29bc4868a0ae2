import type { Writable } from 'node:stream';
import { isAppError, UnavailableError } from '@ledgerline/contracts';
import type { Pool, PoolClient } from 'pg';
import { isPgError, PG_IN_FAILED_TRANSACTION } from './sql.js';

// SQLSTATEs that mean the connection (not the statement) failed: class 08 (connection exception),
// 57P01-57P03 (admin/crash shutdown, cannot connect now: a terminated backend, a restart, a
// failover) and 53300 (too many connections).
const CONNECTION_SQLSTATE = /^(08...|57P0[123]|53300)$/;
const CONNECTION_ERRNO = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
// Prisma (the read models) reports the same failures with codes of its own: P1001 unreachable,
// P1002/P1008 timeouts, P1017 connection closed, P2024 no pooled connection in time, P2037 too many
// connections. Its P2039/P2010 (a database error) carry the SQLSTATE in the message: "Code: `57P03`".
const PRISMA_CONNECTION_CODE = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024', 'P2037']);
const PRISMA_DATABASE_ERROR = /^P20(39|10)$/;
// node-postgres reports a dead socket with plain Errors that carry no code.
const CONNECTION_MESSAGE =
  /Connection terminated|connection error and is not queryable|Client was closed and is not queryable|timeout exceeded when trying to connect|terminating connection/i;

/** True for an error that means the database connection broke or could not be made (retryable). */
export function isConnectionError(error: unknown): boolean {
  if (isAppError(error)) return error.code === 'UNAVAILABLE';
  if (typeof error !== 'object' || error === null) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (CONNECTION_SQLSTATE.test(code) || CONNECTION_ERRNO.has(code))) return true;
  if (typeof code === 'string' && PRISMA_CONNECTION_CODE.has(code)) return true;
  if (typeof code === 'string' && PRISMA_DATABASE_ERROR.test(code) && error instanceof Error) {
    const sqlstate = /Code: `([0-9A-Z]{5})`/.exec(error.message)?.[1];
    if (sqlstate !== undefined && CONNECTION_SQLSTATE.test(sqlstate)) return true;
  }
  return error instanceof Error && CONNECTION_MESSAGE.test(error.message);
}

/**
 * The typed error for a lost database: code UNAVAILABLE, which the transport answers as 503 with
 * Retry-After. Anything else passes through unchanged.
 */
export function asUnavailable(error: unknown): unknown {
  if (isAppError(error) || !isConnectionError(error)) return error;
  return new UnavailableError('The database is unavailable; retry shortly', undefined, { cause: error });
}

const guarded = new WeakSet<Pool>();
const lastResort = (): void => undefined;

/**
 * Gives the pool and every client it creates a permanent 'error' listener (idempotent). pg-pool drops its
 * own listener when it hands a client out, and an error can arrive before the borrower attaches
 * one (the parser emits it in the same tick that released the client to the next borrower), or
 * after `pool.query`'s one-shot listener: an 'error' event without a listener ends the process.
 * What the error means is still seen by the borrower (its query fails; withClient records it).
 * The kernel guards every pool it is given; the runtime guards the pool it builds.
 */
export function guardPool(pool: Pool): Pool {
  if (guarded.has(pool)) return pool;
  guarded.add(pool);
  // An idle client whose backend is terminated makes the POOL emit 'error' (and drop the client).
  pool.on('error', lastResort);
  pool.on('connect', (client) => {
    client.on('error', lastResort);
  });
  return pool;
}

/**
 * Checks a client out for `work` and gives it back. While it is out, an 'error' listener is
 * attached (pg-pool removes its own idle listener on checkout, so a backend terminated by
 * `pg_terminate_backend` or a restart would otherwise emit an unhandled 'error' and end the
 * process). A client that broke is released with the error, so the pool destroys it and the next
 * checkout reconnects. Connection failures surface as UnavailableError.
 */
export async function withClient<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  let client: PoolClient;
  try {
    client = await guardPool(pool).connect();
  } catch (error) {
    throw asUnavailable(error);
  }
  let broken: Error | undefined;
  const onError = (error: Error) => {
    broken ??= error;
  };
  client.on('error', onError);
  try {
    return await work(client);
  } catch (error) {
    if (isConnectionError(error)) broken ??= error instanceof Error ? error : new Error(String(error));
    throw asUnavailable(error);
  } finally {
    client.off('error', onError);
    client.release(broken);
  }
}

/**
 * Runs `work` in one transaction (BEGIN … COMMIT, ROLLBACK when it throws) on a client checked
 * out with {@link withClient}: a terminated backend fails the call with UnavailableError, the
 * broken client is destroyed, and the next call reconnects.
 */
export function withTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  return withClient(pool, (client) => inTransaction(client, work));
}

/** BEGIN … COMMIT on a client the caller holds (ROLLBACK when `work` throws). */
export async function inTransaction<T>(
  client: PoolClient,
  work: (client: PoolClient) => Promise<T>,
): Promise<T> {
  await client.query('BEGIN');
  try {
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/**
 * Makes the statements this client sends from now until the event loop's next turn go out in ONE
 * socket write. pg writes each pipelined statement on its own, and a write to a loopback socket
 * costs far more than its bytes (measured: ~40% of the files service's CPU on POST /files/uploads
 * went to writev, a shared transaction of 30 appends taking 30 of them). The socket is uncorked on
 * `setImmediate`, after every promise continuation of this turn, so a statement submitted after an
 * `await` still joins; nothing waits on an answer while corked (answers need the write first, and
 * the uncork comes regardless). A client not in pipeline mode (see `pipelined`), or another
 * driver's, is left alone.
 */
export function coalesceWrites(client: PoolClient): void {
  // Only a pipelined client sends a statement before the previous answer: elsewhere, corking would only delay.
  const pg = client as unknown as { pipeline?: boolean; connection?: { stream?: Partial<Writable> } };
  if (pg.pipeline !== true) return;
  const stream = pg.connection?.stream;
  if (typeof stream?.cork !== 'function' || typeof stream.uncork !== 'function') return;
  stream.cork();
  setImmediate(() => stream.uncork!());
}

/**
 * Runs `work` with the client in node-postgres' pipeline mode: each query goes out at once instead
 * of after the previous answer (answers still come back in order, each its own result or error).
 * Only used on a client checked out for this work, idle before and after (every query awaited).
 */
export async function pipelined<T>(
  client: PoolClient,
  work: (isPipelined: boolean) => Promise<T>,
): Promise<T> {
  const pg = client as unknown as { pipeline?: boolean; _sentQueryQueue?: unknown };
  if (pg.pipeline !== false || !Array.isArray(pg._sentQueryQueue)) return work(false); // another driver
  pg.pipeline = true;
  try {
    return await work(true);
  } finally {
    pg.pipeline = false;
  }
}

/**
 * Awaits statements sent together on a pipelined client and throws the failure that aborted the
 * transaction, not the ones it caused (25P02 "current transaction is aborted") in the statements
 * sent after it; every answer is awaited first, so none is left unobserved.
 */
export async function allSettledOrCause<T>(statements: Array<Promise<T>>): Promise<T[]> {
  const settled = await Promise.allSettled(statements);
  const failures = settled.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
  if (failures.length > 0) throw failures.find((e) => !isPgError(e, PG_IN_FAILED_TRANSACTION)) ?? failures[0];
  return settled.map((r) => (r as PromiseFulfilledResult<T>).value);
}
