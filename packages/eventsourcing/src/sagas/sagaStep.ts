import type { MessageMeta } from '@ledgerline/contracts';
import { trace } from '@opentelemetry/api';
import type { PoolClient } from 'pg';
import type { DomainEvent } from '../decider/decider.js';
import type { PostgresEventStore } from '../postgres/pgEventStore.js';
import { EVENT_COLUMNS, type EventRow, toRecordedEvent } from '../postgres/rows.js';
import { insertTimeouts } from '../postgres/scheduledTimeouts.js';
import { quoteIdent } from '../postgres/sql.js';
import { HandlerError } from '../retry/backoff.js';
import type { NewEvent, RecordedEvent } from '../store/types.js';
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
export async function runSagaStep(client: PoolClient, step: SagaStepInput): Promise<string[]> {
  const [keys] = await runSagaSteps(client, [step]);
  return keys!;
}

/**
 * The decisions of several saga instances (one input each, all of one store) inside the caller's
 * transaction, each as {@link runSagaStep} makes it, with their statements shared: one lock
 * statement, one read, one multi-stream append, one cancel, one insert of timeouts and one of
 * commands for all of them, not five statements each. A catch-up over the log that starts a saga
 * per event (every upload starts one) spent as much on these statements as on the request itself.
 * Returns each step's command keys, in the order of `steps`.
 */
export async function runSagaSteps(client: PoolClient, steps: SagaStepInput[]): Promise<string[][]> {
  if (steps.length === 0) return [];
  const store = steps[0]!.store;
  const streamIds = steps.map((step) => sagaStreamId(step.saga.name, step.sagaId));
  if (new Set(streamIds).size !== streamIds.length)
    throw new Error('runSagaSteps takes one input per saga instance');
  // Serialises the steps of one instance (consumer, scheduler, dispatcher) instead of failing on a
  // version conflict; taken in one order everywhere, so two batches cannot deadlock on each other.
  await client.query(
    `SELECT pg_advisory_xact_lock(hashtext('ll-saga'), hashtext(id)) FROM unnest($1::text[]) AS id`,
    [[...streamIds].sort()],
  );
  const stored = await readSagaStreams(client, store, streamIds);
  // Per step, in order; undefined where the input neither starts nor continues an instance.
  const decided: Array<Decided | undefined> = [];
  for (const [n, step] of steps.entries()) {
    const history = stored.get(streamIds[n]!) ?? [];
    const ignored = history.length === 0 && !startsSaga(step.saga, step.input);
    decided.push(ignored ? undefined : await decideStep(step, streamIds[n]!, history));
  }
  await record(
    client,
    store,
    decided.filter((d) => d !== undefined),
  );
  return decided.map((d) => d?.keys ?? []);
}

/** What one step decided, ready to be written. */
interface Decided {
  step: SagaStepInput;
  streamId: string;
  expectedVersion: number | 'no_stream';
  events: DomainEvent[];
  decision: SagaDecision;
  meta: MessageMeta;
  /** Idempotency keys of its commands (derived from the input: a redelivery queues the same keys). */
  keys: string[];
}

// One span per step: under the consumer's span for a trigger, else in the cause's trace. The
// saga's events and the commands it queues carry the span's trace (commandMeta).
function decideStep(step: SagaStepInput, streamId: string, history: RecordedEvent[]): Promise<Decided> {
  const attributes = {
    'ledgerline.saga': step.saga.name,
    'ledgerline.saga.id': step.sagaId,
    'ledgerline.saga.input': step.input.kind,
  };
  const parent = trace.getActiveSpan() ? undefined : step.cause;
  return inSpan(`saga ${step.saga.name} step`, { attributes, parent }, async () => {
    const decision = decideSafely(step, history);
    return {
      step,
      streamId,
      expectedVersion: history.at(-1)?.streamPosition ?? 'no_stream',
      events: [...recordedByRuntime(step.input), ...(decision.events ?? [])],
      decision,
      meta: commandMeta(step),
      keys: (decision.commands ?? []).map((_, i) => `${step.input.messageId}:${i}`),
    };
  });
}

async function record(client: PoolClient, store: PostgresEventStore, decided: Decided[]): Promise<void> {
  const appends = decided
    .filter((d) => d.events.length > 0)
    .map((d) => ({
      streamId: d.streamId,
      events: d.events as NewEvent[],
      expectedVersion: d.expectedVersion,
      meta: d.meta,
    }));
  if (appends.length > 0) await store.appendManyWith(client, appends);
  const table = (name: string) => `${quoteIdent(store.schema)}.${quoteIdent(name)}`;
  const cancels = decided.flatMap((d) =>
    (d.decision.cancelSchedules ?? []).map((type) => [d.step.saga.name, d.step.sagaId, type]),
  );
  if (cancels.length > 0) {
    await client.query(
      `UPDATE ${table('scheduled_messages')} m SET cancelled_at = now()
       FROM unnest($1::text[], $2::text[], $3::text[]) AS c(saga, saga_id, message_type)
       WHERE m.saga = c.saga AND m.saga_id = c.saga_id AND m.message_type = c.message_type
         AND m.delivered_at IS NULL AND m.cancelled_at IS NULL`,
      columns(cancels, 3),
    );
  }
  const timeouts = decided.flatMap((d) =>
    (d.decision.schedule ?? []).map((t) => ({ ...t, saga: d.step.saga.name, sagaId: d.step.sagaId })),
  );
  if (timeouts.length > 0) await insertTimeouts(client, store.schema, timeouts);
  const commands = decided.flatMap((d) =>
    (d.decision.commands ?? []).map((command, i) => [
      d.keys[i]!,
      d.step.saga.name,
      d.step.sagaId,
      command.subject,
      JSON.stringify(command.payload ?? null),
      JSON.stringify({ ...d.meta, idempotencyKey: d.keys[i] }),
    ]),
  );
  if (commands.length > 0) {
    await client.query(
      `INSERT INTO ${table('saga_commands')} (idempotency_key, saga, saga_id, subject, payload, meta)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::jsonb[], $6::jsonb[])
       ON CONFLICT (idempotency_key) DO NOTHING`,
      columns(commands, 6),
    );
  }
}

/** Rows as the parallel arrays `unnest` takes. */
const columns = (rows: string[][], width: number): string[][] =>
  Array.from({ length: width }, (_, c) => rows.map((row) => row[c]!));

/** Every stream's events, by stream id (an index probe per stream, see rowsByKeys). */
async function readSagaStreams(client: PoolClient, store: PostgresEventStore, streamIds: string[]) {
  const { rows } = await client.query<EventRow>(
    `SELECT e.* FROM unnest($1::text[]) AS k(id) CROSS JOIN LATERAL (
       SELECT ${EVENT_COLUMNS} FROM ${store.table} WHERE stream_id = k.id ORDER BY stream_version) AS e`,
    [streamIds],
  );
  const byStream = new Map<string, RecordedEvent[]>();
  for (const row of rows) {
    const event = toRecordedEvent(row);
    const stream = byStream.get(event.streamId);
    if (stream) stream.push(event);
    else byStream.set(event.streamId, [event]);
  }
  return byStream;
}

// An instance started on append has no stream until its first step: its timeout starts it.
const startsSaga = (saga: SagaDefinition, input: SagaInput): boolean =>
  input.kind === 'event'
    ? saga.startedBy.includes(input.event.type)
    : input.kind === 'timeout' && saga.startsOnAppend !== undefined;

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
