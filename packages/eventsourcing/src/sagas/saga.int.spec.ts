import {
  ContractRegistry,
  defineEvent,
  fail,
  HEADER,
  IllegalStateError,
  ok,
  uuidv7,
} from '@ledgerline/contracts';
import { dropServiceSchemas, infrastructure, testPool, uniqueServiceName } from '@ledgerline/testing';
import { type JetStreamClient, type JetStreamManager, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, headers, type NatsConnection } from '@nats-io/transport-node';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createDurableConsumer } from '../consumers/durableConsumer.js';
import type { RunningConsumer } from '../consumers/runConsumer.js';
import { migrateService } from '../migrations/kernelMigrations.js';
import { withTransaction } from '../postgres/connections.js';
import { PostgresEventStore } from '../postgres/pgEventStore.js';
import { ensureEventsStream } from '../relay/eventsStream.js';
import { uploadWatchSaga } from './fixtures/uploadWatch.js';
import type { SagaDefinition } from './saga.js';
import { runSaga } from './sagaRuntime.js';
import { runSagaStep } from './sagaStep.js';
import { SagaScheduler } from './scheduler.js';

const service = uniqueServiceName('saga').replaceAll('_', '-');
const schema = `"${service.replaceAll('-', '_')}_es"`;
const durable = `${service}-watch`;
const upload = z.object({ uploadId: z.string() });
const contracts = new ContractRegistry().add(
  defineEvent({ service, type: 'UploadRequested', schemaVersion: 1, data: upload, public: true }),
  defineEvent({ service, type: 'UploadCompleted', schemaVersion: 1, data: upload, public: true }),
  defineEvent({ service, type: 'HoldStarted', schemaVersion: 1, data: upload, public: true }),
  defineEvent({ service, type: 'HoldContinued', schemaVersion: 1, data: upload, public: true }),
);
const reserve = `${service}.cmd.ReserveQuota`;
const release = `${service}.cmd.ReleaseQuota`;

const uploadWatch = uploadWatchSaga({
  reserve,
  release,
  // u2 completes before its deadline whatever the machine's load: its deadline is far away.
  deadlineMs: (sagaId) => (sagaId === 'u2' ? 600_000 : 300),
});

let pool: pg.Pool;
let store: PostgresEventStore;
let nc: NatsConnection;
let js: JetStreamClient;
let jsm: JetStreamManager;
let saga: RunningConsumer;
let scheduler: SagaScheduler;
const requests: Array<{ subject: string; key: string | undefined; payload: unknown }> = [];

beforeAll(async () => {
  pool = await testPool(10);
  await migrateService(pool, service);
  store = new PostgresEventStore({ pool, service });
  nc = await connect({ servers: (await infrastructure()).natsUrl });
  js = jetstream(nc);
  jsm = await jetstreamManager(nc);
  await ensureEventsStream(jsm);
  // The tiny command handler of another service: reserve succeeds, release fails.
  nc.subscribe(`${service}.cmd.>`, {
    callback: (_error, msg) => {
      requests.push({
        subject: msg.subject,
        key: msg.headers?.get(HEADER.idempotencyKey),
        payload: msg.json(),
      });
      const reply =
        msg.subject === reserve ? ok({ reserved: true }) : fail(new IllegalStateError('nothing to release'));
      msg.respond(JSON.stringify(reply));
    },
  });
  await createDurableConsumer({ jsm, durable, filterSubject: `evt.${service}.>` });
  saga = await runSaga({
    pool,
    service,
    nc,
    js,
    store,
    saga: uploadWatch,
    consumer: durable,
    messages: contracts,
    consumerOptions: { fetchExpiresMs: 1000 },
  });
  scheduler = new SagaScheduler({ pool, service, nc, store, sagas: [uploadWatch], pollIntervalMs: 50 });
  scheduler.start();
});

afterAll(async () => {
  await saga?.stop();
  await scheduler?.stop();
  await jsm.consumers.delete('EVENTS', durable).catch(() => undefined);
  await store.close();
  await nc.close();
  await dropServiceSchemas(pool, service);
  await pool.end();
});

const publish = async (type: string, uploadId: string, id = uuidv7()) => {
  const envelope = {
    id,
    type,
    schemaVersion: 1,
    streamId: `upload-${uploadId}`,
    streamPosition: 1,
    globalPosition: 1,
    occurredAt: new Date().toISOString(),
    data: { uploadId },
    meta: { correlationId: `corr-${uploadId}` },
  };
  const msgId = uuidv7();
  const h = headers();
  h.set(HEADER.natsMsgId, msgId);
  await js.publish(`evt.${service}.${type}`, JSON.stringify(envelope), { msgID: msgId, headers: h });
  return id;
};

const history = async (uploadId: string) =>
  (await store.readStream(`saga-upload-watch-${uploadId}`)).map((e) => e.type);

describe('saga runtime', () => {
  it('sends a command once per trigger, fires its timeout and records a failed compensation', async () => {
    const triggerId = await publish('UploadRequested', 'u1');
    await publish('UploadRequested', 'u1', triggerId); // the same event delivered again
    await expect
      .poll(() => history('u1'), { timeout: 10_000 })
      .toEqual(['WatchStarted', 'UploadExpired', 'CommandFailed', 'GaveUp']);
    const sent = requests.filter((r) => (r.payload as { uploadId: string }).uploadId === 'u1');
    expect(sent.filter((r) => r.subject === reserve)).toEqual([
      { subject: reserve, key: `${triggerId}:0`, payload: { uploadId: 'u1' } },
    ]);
    expect(sent.filter((r) => r.subject === release)).toHaveLength(1);
    const [failed] = (await store.readStream('saga-upload-watch-u1')).filter(
      (e) => e.type === 'CommandFailed',
    );
    expect(failed!.data).toMatchObject({ subject: release, error: { code: 'ILLEGAL_STATE' } });
    expect(failed!.meta).toMatchObject({ actor: { type: 'service', id: 'saga:upload-watch' } });
    const { rows } = await pool.query(
      `SELECT delivered_at FROM ${schema}.scheduled_messages WHERE saga_id = 'u1'`,
    );
    expect(rows).toHaveLength(1);
    expect(rows[0].delivered_at).not.toBeNull();
  });

  it('cancels the timeout when the upload completes in time', async () => {
    await publish('UploadRequested', 'u2');
    await expect.poll(() => history('u2'), { timeout: 10_000 }).toEqual(['WatchStarted']);
    await publish('UploadCompleted', 'u2');
    await expect.poll(() => history('u2'), { timeout: 10_000 }).toEqual(['WatchStarted', 'WatchCompleted']);
    // Cancelled: the scheduler only ever delivers rows that are not, so the deadline cannot fire.
    const { rows } = await pool.query(
      `SELECT cancelled_at FROM ${schema}.scheduled_messages WHERE saga_id = 'u2'`,
    );
    expect(rows[0].cancelled_at).not.toBeNull();
  });

  it('resends a command left unsent by a crash after commit, with the same key, once', async () => {
    const event = { id: uuidv7(), type: 'UploadRequested', data: { uploadId: 'u3' } } as never;
    await withTransaction(pool, async (client) => {
      const input = { kind: 'event' as const, messageId: 'crashed-trigger', event };
      await runSagaStep(client, {
        store,
        saga: uploadWatch,
        sagaId: 'u3',
        input,
        now: new Date(Date.now() + 60_000),
      });
    });
    // The reply is recorded after the request is answered: wait for the record, then count the sends.
    const outcome = async () =>
      (
        await pool.query(
          `SELECT outcome FROM ${schema}.saga_commands WHERE idempotency_key = 'crashed-trigger:0'`,
        )
      ).rows[0]?.outcome;
    await expect.poll(outcome, { timeout: 15_000 }).toBe('ok');
    expect(requests.filter((r) => r.key === 'crashed-trigger:0')).toHaveLength(1);
  });
});

// A saga whose commands the test answers by hand: step 1 on HoldStarted, step 2 on HoldContinued.
const hold = `${service}.hold.Hold`;
const holdSaga: SagaDefinition<{ steps: number }> = {
  name: 'hold',
  startedBy: ['HoldStarted'],
  handles: ['HoldContinued'],
  correlationId: (event) => (event.data as { uploadId: string }).uploadId,
  initialState: () => ({ steps: 0 }),
  evolve: (state, event) => (event.type === 'StepQueued' ? { steps: state.steps + 1 } : state),
  decide: (input, state, { sagaId }) => {
    if (input.kind !== 'event') return {};
    const step = state.steps + 1;
    return {
      events: [{ type: 'StepQueued', data: { step } }],
      commands: [{ subject: hold, payload: { uploadId: sagaId, step } }],
    };
  },
};

describe('saga runtime with concurrency', () => {
  it("sends different instances' commands at once while one instance's stay in order", async () => {
    const held = new Map<string, () => void>();
    const received: string[] = [];
    const subscription = nc.subscribe(hold, {
      callback: (_error, msg) => {
        const { uploadId, step } = msg.json<{ uploadId: string; step: number }>();
        const name = `${uploadId}#${step}`;
        received.push(name);
        // Answered when the test releases it: a command that is still running.
        held.set(name, () => msg.respond(JSON.stringify(ok({ name }))));
      },
    });
    const holdDurable = `${service}-hold`;
    await createDurableConsumer({ jsm, durable: holdDurable, filterSubject: `evt.${service}.>` });
    const runner = await runSaga({
      pool,
      service,
      nc,
      js,
      store,
      saga: holdSaga,
      consumer: holdDurable,
      messages: contracts,
      concurrency: 3,
      commandTimeoutMs: 120_000, // the held command must not time out and be resent
      consumerOptions: { fetchExpiresMs: 1000 },
    });
    try {
      await publish('HoldStarted', 'ha');
      await publish('HoldContinued', 'ha');
      await publish('HoldStarted', 'hb');
      // hb#1 is sent while ha#1 is still unanswered: instances do not wait for each other.
      await expect.poll(() => received, { timeout: 15_000 }).toContain('hb#1');
      expect(received).toContain('ha#1');
      // The consumer handled ha's second trigger before hb's (stream order), so ha#2 is queued by
      // now, behind ha#1 in ha's lane: not sent while ha#1 is unanswered.
      expect(received).not.toContain('ha#2');
      held.get('ha#1')!();
      await expect.poll(() => received, { timeout: 15_000 }).toContain('ha#2');
      expect(received.filter((name) => name.startsWith('ha#'))).toEqual(['ha#1', 'ha#2']);
      held.get('ha#2')!();
      held.get('hb#1')!();
      const outcomes = async () =>
        (
          await pool.query(`SELECT outcome FROM ${schema}.saga_commands WHERE saga = 'hold' ORDER BY outcome`)
        ).rows.map((r) => r.outcome);
      await expect.poll(outcomes, { timeout: 15_000 }).toEqual(['ok', 'ok', 'ok']);
    } finally {
      for (const release of held.values()) release();
      await runner.stop();
      subscription.unsubscribe();
      await jsm.consumers.delete('EVENTS', holdDurable).catch(() => undefined);
    }
  });
});
