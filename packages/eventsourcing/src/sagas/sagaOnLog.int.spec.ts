import { fail, HEADER, IllegalStateError, ok } from '@ledgerline/contracts';
import { dropServiceSchemas, infrastructure, testPool, uniqueServiceName } from '@ledgerline/testing';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateService } from '../migrations/kernelMigrations.js';
import { PostgresEventStore } from '../postgres/pgEventStore.js';
import { uploadWatchSaga } from './fixtures/uploadWatch.js';
import { runSagaOnLog } from './sagaOnLog.js';
import { SagaScheduler } from './scheduler.js';

// A saga on its own service's log: the events are appended to the store (no relay, no JetStream,
// not public), the saga reacts in checkpointed batches, sends its commands after the commit and
// gets its timeouts from the scheduler; a batch that fails before its commit is replayed and every
// step still happens once.
const service = uniqueServiceName('logsaga').replaceAll('_', '-');
const reserve = `${service}.cmd.ReserveQuota`;
const release = `${service}.cmd.ReleaseQuota`;

const uploadWatch = uploadWatchSaga({
  reserve,
  release,
  // Only "expiring" uploads get a deadline that passes within the test.
  deadlineMs: (sagaId) => (sagaId.startsWith('expiring') ? 300 : 600_000),
});

let pool: pg.Pool;
let store: PostgresEventStore;
let nc: NatsConnection;
let saga: ReturnType<typeof runSagaOnLog>;
let scheduler: SagaScheduler;
let failNextCommit = 0;
/** Failures the runner reported (a failed batch is retried event by event, so only these show one). */
const reported: unknown[] = [];
const requests: Array<{ subject: string; key: string | undefined; uploadId: string }> = [];

beforeAll(async () => {
  pool = await testPool(10);
  await migrateService(pool, service);
  store = new PostgresEventStore({ pool, service });
  nc = await connect({ servers: (await infrastructure()).natsUrl });
  // The tiny command handler of another service: reserve succeeds, release fails.
  nc.subscribe(`${service}.cmd.>`, {
    callback: (_error, msg) => {
      const { uploadId } = msg.json<{ uploadId: string }>();
      requests.push({ subject: msg.subject, key: msg.headers?.get(HEADER.idempotencyKey), uploadId });
      const reply =
        msg.subject === reserve ? ok({ reserved: true }) : fail(new IllegalStateError('nothing to release'));
      msg.respond(JSON.stringify(reply));
    },
  });
  saga = runSagaOnLog({
    pool,
    service,
    nc,
    store,
    saga: uploadWatch,
    onError: (error) => reported.push(error),
    beforeCommit: async () => {
      if (failNextCommit > 0 && failNextCommit--) throw new Error('crashed before the commit');
    },
  });
  saga.start();
  scheduler = new SagaScheduler({ pool, service, nc, store, sagas: [uploadWatch], pollIntervalMs: 50 });
  scheduler.start();
});

afterAll(async () => {
  await saga?.stop();
  await scheduler?.stop();
  await store.close();
  await nc.close();
  await dropServiceSchemas(pool, service);
  await pool.end();
});

const append = async (type: string, uploadId: string) => {
  const { events } = await store.append(`upload-${uploadId}`, [{ type, data: { uploadId } }], {
    expectedVersion: 'any',
  });
  return events[0]!.id;
};
const history = async (uploadId: string) =>
  (await store.readStream(`saga-upload-watch-${uploadId}`)).map((e) => e.type);
const sentFor = (uploadId: string) => requests.filter((r) => r.uploadId === uploadId);

describe('saga on its own service log', () => {
  it('reacts to appended events: a command once per trigger, its timeout, a failed compensation', async () => {
    const triggerId = await append('UploadRequested', 'expiring-1');
    await expect
      .poll(() => history('expiring-1'), { timeout: 10_000 })
      .toEqual(['WatchStarted', 'UploadExpired', 'CommandFailed', 'GaveUp']);
    expect(sentFor('expiring-1').filter((r) => r.subject === reserve)).toEqual([
      { subject: reserve, key: `${triggerId}:0`, uploadId: 'expiring-1' },
    ]);
    expect(sentFor('expiring-1').filter((r) => r.subject === release)).toHaveLength(1);
  });

  it('cancels the timeout when the upload completes in time; other events only move it on', async () => {
    await append('UploadRequested', 'kept');
    await append('SomethingElse', 'kept');
    await append('UploadCompleted', 'kept');
    await expect.poll(() => history('kept'), { timeout: 10_000 }).toEqual(['WatchStarted', 'WatchCompleted']);
    const { rows } = await pool.query(
      `SELECT cancelled_at FROM "${service.replaceAll('-', '_')}_es".scheduled_messages WHERE saga_id = 'kept'`,
    );
    expect(rows).toHaveLength(1);
    expect(rows[0].cancelled_at).not.toBeNull();
  });

  it("takes a batch of many instances at once, and an instance's later event in the batch after its first", async () => {
    const ids = ['batch-1', 'batch-2', 'batch-3'];
    const completes = (id: string) => id !== 'batch-2';
    const reportedBefore = reported.length;
    // One transaction: the reactor reads all five events in one batch.
    const { events } = await store.appendMany(
      ids.map((id) => ({
        streamId: `upload-${id}`,
        expectedVersion: 'no_stream' as const,
        events: [
          { type: 'UploadRequested', data: { uploadId: id } },
          ...(completes(id) ? [{ type: 'UploadCompleted', data: { uploadId: id } }] : []),
        ],
      })),
    );
    for (const id of ids) {
      const expected = completes(id) ? ['WatchStarted', 'WatchCompleted'] : ['WatchStarted'];
      await expect.poll(() => history(id), { timeout: 10_000 }).toEqual(expected);
      const trigger = events.find((e) => e.streamId === `upload-${id}` && e.type === 'UploadRequested')!;
      await expect
        .poll(() => sentFor(id).map((r) => r.key), { timeout: 10_000 })
        .toEqual([`${trigger.id}:0`]);
    }
    const { rows } = await pool.query<{ saga_id: string; cancelled: boolean }>(
      `SELECT saga_id, cancelled_at IS NOT NULL AS cancelled
       FROM "${service.replaceAll('-', '_')}_es".scheduled_messages WHERE saga_id LIKE 'batch-%' ORDER BY saga_id`,
    );
    expect(rows).toEqual(ids.map((id) => ({ saga_id: id, cancelled: completes(id) })));
    expect(reported.slice(reportedBefore)).toEqual([]); // taken as one batch, not after a failure
  });

  it('replays a batch that failed before its commit: each step, command and timeout once', async () => {
    failNextCommit = 2;
    const triggers = await Promise.all(
      ['a', 'b', 'c'].map((id) => append('UploadRequested', `replayed-${id}`)),
    );
    for (const id of ['a', 'b', 'c']) {
      await expect.poll(() => history(`replayed-${id}`), { timeout: 10_000 }).toEqual(['WatchStarted']);
    }
    expect(failNextCommit).toBe(0);
    for (const [i, id] of ['a', 'b', 'c'].entries()) {
      await expect.poll(() => sentFor(`replayed-${id}`).length, { timeout: 10_000 }).toBe(1);
      expect(sentFor(`replayed-${id}`)[0]!.key).toBe(`${triggers[i]}:0`);
    }
    const { rows } = await pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM "${service.replaceAll('-', '_')}_es".scheduled_messages
       WHERE saga_id LIKE 'replayed-%'`,
    );
    expect(rows[0]!.n).toBe(3);
  });
});
