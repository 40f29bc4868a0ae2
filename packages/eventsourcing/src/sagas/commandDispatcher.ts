import {
  type ErrorShape,
  failedReplySchema,
  type MessageMeta,
  metaToHeaderRecord,
  TimeoutError,
  toErrorShape,
  UnavailableError,
} from '@ledgerline/contracts';
import { type NatsConnection, headers as natsHeaders, RequestError } from '@nats-io/transport-node';
import { SpanKind } from '@opentelemetry/api';
import type { Pool, PoolClient } from 'pg';
import { parkDeadLetter } from '../deadLetters/deadLetters.js';
import { withTransaction } from '../postgres/connections.js';
import type { PostgresEventStore } from '../postgres/pgEventStore.js';
import { quoteIdent, schemasOf } from '../postgres/sql.js';
import { backoffDelay, isPoisonError } from '../retry/backoff.js';
import { activeTraceFields, inSpan } from '../tracing/tracing.js';
import type { SagaDefinition } from './saga.js';
import { runSagaStep } from './sagaStep.js';

export interface CommandDispatcherOptions {
  pool: Pool;
  service: string;
  nc: NatsConnection;
  store: PostgresEventStore;
  sagas: SagaDefinition[];
  /**
   * Reply timeout per attempt; default: the saga's `commandTimeoutMs`, else 5 s (the command
   * default of ARCHITECTURE.md).
   */
  timeoutMs?: number;
  /** Attempts without any reply (no responders, timeout) before the command counts as failed (default 5). */
  maxAttempts?: number;
}

interface CommandRow {
  idempotency_key: string;
  saga: string;
  saga_id: string;
  subject: string;
  payload: unknown;
  meta: MessageMeta;
  attempts: number;
}

const DEFAULT_TIMEOUT_MS = 5000;
const LEASE_MARGIN_MS = 10_000;

type Outcome =
  | { kind: 'ok'; reply: unknown }
  | { kind: 'failed'; error: ErrorShape }
  | { kind: 'retry'; error: ErrorShape };

/**
 * Sends the commands sagas queued in `saga_commands` (an outbox). Each attempt first claims the
 * row with a lease, so two dispatchers never send it at once, and a crashed one's claim expires.
 * The header `ll-idempotency-key` is the queued key, the same on every resend. A failed reply, or
 * no reply after `maxAttempts`, is delivered to the saga as a `commandFailed` input.
 */
export class CommandDispatcher {
  private readonly table: string;

  constructor(private readonly options: CommandDispatcherOptions) {
    this.table = `${quoteIdent(schemasOf(options.service).eventStore)}."saga_commands"`;
  }

  /** Sends the given commands (and those their failures queue); returns how many were sent. */
  async dispatch(keys: string[]): Promise<number> {
    let sent = 0;
    const queue = [...keys];
    for (let key = queue.shift(); key !== undefined; key = queue.shift()) {
      const result = await this.dispatchOne(key);
      if (result.sent) sent++;
      queue.push(...result.queued);
    }
    return sent;
  }

  /** Sends up to `limit` commands whose next attempt is due (left by a crash or a missing reply). */
  async dispatchDue(limit = 100): Promise<number> {
    const { rows } = await this.options.pool.query<{ idempotency_key: string }>(
      `SELECT idempotency_key FROM ${this.table} WHERE sent_at IS NULL AND next_attempt_at <= now() AND saga = ANY($2)
       ORDER BY next_attempt_at LIMIT $1`,
      [limit, this.options.sagas.map((s) => s.name)],
    );
    return this.dispatch(rows.map((r) => r.idempotency_key));
  }

  private async dispatchOne(key: string): Promise<{ sent: boolean; queued: string[] }> {
    const row = await this.claim(key);
    if (!row) return { sent: false, queued: [] };
    const outcome = await this.send(row);
    if (outcome.kind === 'retry' && row.attempts < (this.options.maxAttempts ?? 5)) {
      await this.options.pool.query(
        `UPDATE ${this.table} SET next_attempt_at = now() + $2 * interval '1 millisecond'
         WHERE idempotency_key = $1 AND sent_at IS NULL`,
        [key, 500 + backoffDelay(row.attempts, 1000, 60_000)],
      );
      return { sent: true, queued: [] };
    }
    return { sent: true, queued: await this.settle(row, outcome) };
  }

  /**
   * Takes the command for one attempt with a lease (its next attempt moves past the reply timeout)
   * instead of a row lock: no transaction stays open while the request is in flight, since an open
   * transaction would hold back every log reader (they stop below the oldest running transaction).
   */
  private async claim(key: string): Promise<CommandRow | undefined> {
    // The lease outlasts the reply timeout of the row's saga (looked up in SQL: the row is the
    // only place that names it before the claim).
    const leases = Object.fromEntries(
      this.options.sagas.map((s) => [s.name, this.timeoutOf(s.name) + LEASE_MARGIN_MS]),
    );
    const { rows } = await this.options.pool.query<CommandRow>(
      `UPDATE ${this.table} SET attempts = attempts + 1,
         next_attempt_at = now() + coalesce(($2::jsonb ->> saga)::int, $3) * interval '1 millisecond'
       WHERE idempotency_key = $1 AND sent_at IS NULL AND next_attempt_at <= now()
       RETURNING idempotency_key, saga, saga_id, subject, payload, meta, attempts`,
      [key, JSON.stringify(leases), DEFAULT_TIMEOUT_MS + LEASE_MARGIN_MS],
    );
    return rows[0];
  }

  /** Records the outcome; a failure goes to the saga as `commandFailed` in the same transaction. */
  private async settle(row: CommandRow, outcome: Outcome): Promise<string[]> {
    const failed = outcome.kind !== 'ok';
    try {
      return await withTransaction(this.options.pool, async (client) => {
        const { rowCount } = await client.query(
          `UPDATE ${this.table} SET sent_at = now(), outcome = $2, reply = $3 WHERE idempotency_key = $1 AND sent_at IS NULL`,
          [
            row.idempotency_key,
            failed ? 'failed' : 'ok',
            JSON.stringify(failed ? outcome.error : outcome.reply),
          ],
        );
        return rowCount === 1 && failed ? await this.deliverFailure(client, row, outcome.error) : [];
      });
    } catch (error) {
      if (!isPoisonError(error)) throw error;
      // The saga cannot decide about this failure: park it rather than resend the command for ever.
      await this.park(row.idempotency_key, error);
      return [];
    }
  }

  private async park(key: string, error: unknown): Promise<void> {
    const { rows } = await this.options.pool.query<CommandRow>(
      `UPDATE ${this.table} SET sent_at = now(), outcome = 'failed' WHERE idempotency_key = $1
       RETURNING idempotency_key, saga, saga_id, subject, payload, meta, attempts`,
      [key],
    );
    await parkDeadLetter(this.options.pool, this.options.service, {
      sourceKind: 'saga',
      sourceName: rows[0]?.saga ?? 'unknown',
      messageId: `${key}:failed`,
      messageType: 'CommandFailed',
      payload: rows[0] ?? { idempotencyKey: key },
      error,
      attempts: rows[0]?.attempts ?? 1,
    });
  }

  private send(row: CommandRow): Promise<Outcome> {
    // A CLIENT span in the trace of the saga step that queued the command.
    const attributes = { 'messaging.system': 'nats', 'messaging.destination.name': row.subject };
    const kind = SpanKind.CLIENT;
    return inSpan(`${row.subject} request`, { kind, attributes, parent: row.meta }, () => this.request(row));
  }

  private async request(row: CommandRow): Promise<Outcome> {
    const h = natsHeaders();
    const meta = { ...row.meta, ...activeTraceFields() };
    for (const [name, value] of Object.entries(metaToHeaderRecord(meta))) h.set(name, value);
    const timeout = this.timeoutOf(row.saga);
    try {
      const reply = await this.options.nc.request(row.subject, JSON.stringify(row.payload), {
        timeout,
        headers: h,
      });
      return parseReply(reply.string());
    } catch (error) {
      const noResponders = error instanceof RequestError && error.isNoResponders();
      const cause = noResponders
        ? new UnavailableError(`No service is listening on ${row.subject}`, { subject: row.subject })
        : new TimeoutError(`No reply on ${row.subject} within ${timeout} ms`, { subject: row.subject });
      return { kind: 'retry', error: toErrorShape(cause) };
    }
  }

  private timeoutOf(sagaName: string): number {
    const saga = this.options.sagas.find((s) => s.name === sagaName);
    return this.options.timeoutMs ?? saga?.commandTimeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  private async deliverFailure(client: PoolClient, row: CommandRow, error: ErrorShape): Promise<string[]> {
    const saga = this.options.sagas.find((s) => s.name === row.saga);
    if (!saga) throw new Error(`saga ${row.saga} is not registered with the dispatcher`);
    const input = {
      kind: 'commandFailed' as const,
      messageId: `${row.idempotency_key}:failed`,
      command: { subject: row.subject, payload: row.payload },
      idempotencyKey: row.idempotency_key,
      error,
    };
    return runSagaStep(client, {
      store: this.options.store,
      saga,
      sagaId: row.saga_id,
      input,
      now: new Date(),
      cause: row.meta,
    });
  }
}

/** `{ ok: true, data }` succeeds; `{ ok: false, error }` fails with that error; anything else fails as INTERNAL. */
function parseReply(text: string): Outcome {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { kind: 'failed', error: { code: 'INTERNAL', message: 'command reply is not JSON' } };
  }
  if ((body as { ok?: unknown } | null)?.ok === true)
    return { kind: 'ok', reply: (body as { data?: unknown }).data ?? null };
  const failed = failedReplySchema.safeParse(body);
  if (failed.success) return { kind: 'failed', error: failed.data.error };
  return {
    kind: 'failed',
    error: { code: 'INTERNAL', message: 'command reply does not match { ok, data | error }' },
  };
}
