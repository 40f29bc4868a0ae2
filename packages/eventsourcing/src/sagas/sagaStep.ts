import type { MessageMeta } from '@ledgerline/contracts';
import { uuidv7 } from '@ledgerline/contracts';
import { trace } from '@opentelemetry/api';
import type { PoolClient } from 'pg';
import type { DomainEvent } from '../decider/decider.js';
import type { PostgresEventStore } from '../postgres/pgEventStore.js';
import { EVENT_COLUMNS, type EventRow, toRecordedEvent } from '../postgres/rows.js';
import { quoteIdent } from '../postgres/sql.js';
import { HandlerError } from '../retry/backoff.js';
import type { NewEvent } from '../store/types.js';
import { activeTraceFields, inSpan } from '../tracing/tracing.js';
import { type SagaDecision, type SagaDefinition, type SagaInput, sagaStreamId } from './saga.js';

export interface SagaStepInput {
  store: PostgresEventStore;
  saga: SagaDefinition;
  sagaId: string;
  input: SagaInput;
  now: Date;
  /** Meta of the message that caused this step (a trigger event's meta); may be partial. */
  cause?: Partial<MessageMeta>;
}

/**
 * One saga decision inside the caller's transaction: lock the instance, fold its stream, decide,
 * append at the version read, cancel and insert timeouts, and queue commands in `saga_commands`.
 * Returns the idempotency keys of the queued commands (send them after the commit).
 * An error thrown by decide/evolve is a HandlerError (poison: retrying will not fix it).
 */
export function runSagaStep(client: PoolClient, step: SagaStepInput): Promise<string[]> {
  // One span per step: under the consumer's span for a trigger, else in the cause's trace.
  const attributes = {
    'ledgerline.saga': step.saga.name,
    'ledgerline.saga.id': step.sagaId,
    'ledgerline.saga.input': step.input.kind,
  };
  const parent = trace.getActiveSpan() ? undefined : step.cause;
  return inSpan(`saga ${step.saga.name} step`, { attributes, parent }, () => sagaStep(client, step));
}

async function sagaStep(client: PoolClient, step: SagaStepInput): Promise<string[]> {
  const { store, saga, sagaId, input } = step;
  const streamId = sagaStreamId(saga.name, sagaId);
  // Serialises the steps of one instance (consumer, scheduler, dispatcher) instead of failing on a version conflict.
  await client.query(`SELECT pg_advisory_xact_lock(hashtext('ll-saga'), hashtext($1))`, [streamId]);
  const stored = await readSagaStream(client, store, streamId);
  if (stored.length === 0 && !startsSaga(saga, input)) return [];
  const decision = decideSafely(step, stored);
  const events = [...recordedByRuntime(input), ...(decision.events ?? [])];
  const meta = commandMeta(step);
  if (events.length > 0) {
    const expectedVersion = stored.at(-1)?.streamPosition ?? 'no_stream';
    await store.appendWith(client, streamId, events as NewEvent[], { expectedVersion, meta });
  }
  const table = (name: string) => `${quoteIdent(store.schema)}.${quoteIdent(name)}`;
  if (decision.cancelSchedules?.length) {
    await client.query(
      `UPDATE ${table('scheduled_messages')} SET cancelled_at = now()
       WHERE saga = $1 AND saga_id = $2 AND message_type = ANY($3) AND delivered_at IS NULL AND cancelled_at IS NULL`,
      [saga.name, sagaId, decision.cancelSchedules],
    );
  }
  for (const timeout of decision.schedule ?? []) {
    await client.query(
      `INSERT INTO ${table('scheduled_messages')} (id, saga, saga_id, message_type, payload, due_at)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [uuidv7(), saga.name, sagaId, timeout.type, JSON.stringify(timeout.payload ?? null), timeout.dueAt],
    );
  }
  return queueCommands(client, table('saga_commands'), step, decision, meta);
}

async function readSagaStream(client: PoolClient, store: PostgresEventStore, streamId: string) {
  const { rows } = await client.query<EventRow>(
    `SELECT ${EVENT_COLUMNS} FROM ${store.table} WHERE stream_id = $1 ORDER BY stream_version`,
    [streamId],
  );
  return rows.map(toRecordedEvent);
}

const startsSaga = (saga: SagaDefinition, input: SagaInput): boolean =>
  input.kind === 'event' && saga.startedBy.includes(input.event.type);

function decideSafely(step: SagaStepInput, stored: Array<{ type: string; data: unknown }>): SagaDecision {
  const { saga, input } = step;
  try {
    const history = [
      ...stored.map((e) => ({ type: e.type, data: e.data }) as DomainEvent),
      ...recordedByRuntime(input),
    ];
    const state = history.reduce((s, e) => saga.evolve(s, e), saga.initialState());
    return saga.decide(input, state, { now: step.now, sagaId: step.sagaId });
  } catch (error) {
    throw new HandlerError(input.messageId, error);
  }
}

// A failed command is a fact of the saga's history: recorded before what the saga decides about it.
const recordedByRuntime = (input: SagaInput): DomainEvent[] =>
  input.kind === 'commandFailed'
    ? [
        {
          type: 'CommandFailed',
          data: { subject: input.command.subject, idempotencyKey: input.idempotencyKey, error: input.error },
        },
      ]
    : [];

const HEADER_TOKEN = /^[\x21-\x7E]{1,256}$/;
const token = (value: unknown): string | undefined =>
  typeof value === 'string' && HEADER_TOKEN.test(value) ? value : undefined;

/** Meta of the saga's events and commands: the trigger's correlation, caused by the input message. */
function commandMeta(step: SagaStepInput): MessageMeta {
  const { input, saga, cause } = step;
  return {
    requestId: token(cause?.requestId) ?? input.messageId,
    correlationId: token(cause?.correlationId) ?? token(step.sagaId) ?? input.messageId,
    causationId: input.messageId,
    actor: { type: 'service', id: `saga:${saga.name}` },
    // The step's span: the saga's events and the commands it queues continue this trace.
    ...activeTraceFields(),
  };
}

async function queueCommands(
  client: PoolClient,
  table: string,
  step: SagaStepInput,
  decision: SagaDecision,
  meta: MessageMeta,
): Promise<string[]> {
  const commands = decision.commands ?? [];
  if (commands.length === 0) return [];
  // Derived from the input message, so a redelivered input can only ever queue the same keys.
  const keys = commands.map((_, i) => `${step.input.messageId}:${i}`);
  await client.query(
    `INSERT INTO ${table} (idempotency_key, saga, saga_id, subject, payload, meta)
     SELECT k, $2, $3, s, p, m FROM unnest($1::text[], $4::text[], $5::jsonb[], $6::jsonb[]) AS x(k, s, p, m)
     ON CONFLICT (idempotency_key) DO NOTHING`,
    [
      keys,
      step.saga.name,
      step.sagaId,
      commands.map((c) => c.subject),
      commands.map((c) => JSON.stringify(c.payload ?? null)),
      keys.map((idempotencyKey) => JSON.stringify({ ...meta, idempotencyKey })),
    ],
  );
  return keys;
}
