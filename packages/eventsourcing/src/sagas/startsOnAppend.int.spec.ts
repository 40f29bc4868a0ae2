import { randomUUID } from 'node:crypto';
import { dropServiceSchemas, testPool, uniqueServiceName } from '@ledgerline/testing';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isConcurrencyError } from '../decider/commandHandler.js';
import { migrateService } from '../migrations/kernelMigrations.js';
import { withTransaction } from '../postgres/connections.js';
import { PostgresEventStore } from '../postgres/pgEventStore.js';
import { quoteIdent } from '../postgres/sql.js';
import { type SagaDefinition, sagaStreamId, timeoutsOnAppend } from './saga.js';
import { runSagaStep } from './sagaStep.js';

// A saga whose first step only starts a clock takes it in the appending transaction: the timeout
// commits with the event or not at all, and reaches an instance that has no stream yet.
const service = uniqueServiceName('onappend').replaceAll('_', '-');
let pool: pg.Pool;
let store: PostgresEventStore;

const watch: SagaDefinition<{ expired: boolean }, { type: 'Expired'; data: { id: string } }> = {
  name: 'watch',
  startsOnAppend: {
    Requested: (event) => [{ type: 'Expire', dueAt: new Date((event.data as { due: string }).due) }],
  },
  startedBy: [],
  handles: ['Done'],
  correlationId: (event) => (event.data as { id?: string }).id,
  initialState: () => ({ expired: false }),
  evolve: (_, event) => ({ expired: event.type === 'Expired' }),
  decide: (input, state, { sagaId }) =>
    input.kind === 'timeout' && !state.expired ? { events: [{ type: 'Expired', data: { id: sagaId } }] } : {},
};

const scheduledFor = async (sagaId: string) =>
  (
    await pool.query<{ saga: string; message_type: string; due_at: Date }>(
      `SELECT saga, message_type, due_at FROM ${quoteIdent(store.schema)}."scheduled_messages" WHERE saga_id = $1`,
      [sagaId],
    )
  ).rows;

const requested = (id: string, due: string) => [{ type: 'Requested', data: { id, due } }];

beforeAll(async () => {
  pool = await testPool(6);
  await migrateService(pool, service);
  store = new PostgresEventStore({ pool, service });
});

afterAll(async () => {
  await store.close();
  await dropServiceSchemas(pool, service);
  await pool.end();
});

describe('a saga started on append', () => {
  it("writes the saga's timeout with the event; the reactor's types leave the event out", async () => {
    const id = randomUUID();
    const events = requested(id, '2026-12-01T00:00:00.000Z');
    await store.appendMany([
      {
        streamId: `request-${id}`,
        events,
        expectedVersion: 'no_stream',
        schedule: timeoutsOnAppend(watch, events),
      },
      { streamId: `other-${id}`, events: [{ type: 'Noted', data: {} }], expectedVersion: 'no_stream' },
    ]);
    expect(await scheduledFor(id)).toEqual([
      { saga: 'watch', message_type: 'Expire', due_at: new Date('2026-12-01T00:00:00.000Z') },
    ]);
  });

  it('writes no timeout when the append fails (a stale expected version)', async () => {
    const id = randomUUID();
    await store.appendMany([
      { streamId: `request-${id}`, events: [{ type: 'Noted', data: {} }], expectedVersion: 'no_stream' },
    ]);
    const events = requested(id, '2026-12-01T00:00:00.000Z');
    const failed = await store
      .appendMany([
        {
          streamId: `request-${id}`,
          events,
          expectedVersion: 'no_stream',
          schedule: timeoutsOnAppend(watch, events),
        },
      ])
      .catch((error: unknown) => error);
    expect(isConcurrencyError(failed)).toBe(true);
    expect(await scheduledFor(id)).toEqual([]);
  });

  it('gets its timeout although it has no stream, and its decision starts the stream', async () => {
    const id = randomUUID();
    const input = {
      kind: 'timeout' as const,
      messageId: randomUUID(),
      type: 'Expire',
      payload: null,
      dueAt: '',
    };
    await withTransaction(pool, (client) =>
      runSagaStep(client, { store, saga: watch as SagaDefinition, sagaId: id, input, now: new Date() }),
    );
    const stream = await store.readStream(sagaStreamId('watch', id));
    expect(stream.map((e) => e.type)).toEqual(['Expired']);
    // A saga without starts on append still ignores a timeout of an instance it never started.
    const plain = { ...watch, name: 'plain', startsOnAppend: undefined } as SagaDefinition;
    await withTransaction(pool, (client) =>
      runSagaStep(client, { store, saga: plain, sagaId: id, input, now: new Date() }),
    );
    expect(await store.readStream(sagaStreamId('plain', id))).toEqual([]);
  });
});
