import { dropServiceSchemas, testPool, uniqueServiceName } from '@ledgerline/testing';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listDeadLetters } from '../deadLetters/deadLetters.js';
import { migrateService } from '../migrations/kernelMigrations.js';
import { PostgresEventStore } from '../postgres/pgEventStore.js';
import { AsyncProjector } from './asyncProjector.js';
import { readCheckpoint } from './checkpoints.js';
import { counterMigrationsDir, counterProjection } from './fixtures/counterProjection.js';
import { inlineProjections } from './inline.js';
import { retryProjectionDeadLetter } from './retryDeadLetter.js';

let pool: pg.Pool;
const services: string[] = [];

beforeAll(async () => {
  pool = await testPool(20);
});
afterAll(async () => {
  for (const service of services) await dropServiceSchemas(pool, service);
  await pool.end();
});

async function freshService(prefix: string) {
  const service = uniqueServiceName(prefix);
  services.push(service);
  await migrateService(pool, service, counterMigrationsDir);
  return service;
}

const counted = (n: number) => ({ type: 'Counted', data: { n } });

async function seed(store: PostgresEventStore, streams: number, perStream: number): Promise<void> {
  for (let s = 0; s < streams; s++) {
    await store.append(
      `counter-${s}`,
      Array.from({ length: perStream }, (_, i) => counted(s * 100 + i)),
      { expectedVersion: 'no_stream' },
    );
  }
}

const rows = async (service: string) =>
  (
    await pool.query(
      `SELECT id, count, total::int AS total, "lastType" FROM "${service}_rm"."Counter" ORDER BY id`,
    )
  ).rows;

async function waitFor(check: () => Promise<boolean>, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('inline projection', () => {
  it('changes the read model in the append transaction, or not at all', async () => {
    const service = await freshService('inline');
    const store = new PostgresEventStore({
      pool,
      service,
      appendHooks: [inlineProjections(service, [counterProjection({ failOn: (n) => n === 13 })])],
    });
    const result = await store.append('counter-a', [counted(1), counted(2)], {
      expectedVersion: 'no_stream',
    });
    expect(await rows(service)).toEqual([{ id: 'counter-a', count: 2, total: 3, lastType: 'Counted' }]);
    // The append answers the rows as stored, so a command can reply without reading them back.
    expect(result.projected?.get('Counter')?.get('counter-a')).toMatchObject({ id: 'counter-a', count: 2 });
    // A projection failure rolls the events back too.
    await expect(store.append('counter-a', [counted(13)], { expectedVersion: 2 })).rejects.toThrow(
      /cannot count 13/,
    );
    expect(await store.streamVersion('counter-a')).toBe(2);
    await store.close();
  });
});

describe('async projector', () => {
  it('survives a crash mid-batch and ends equal to a run without one', async () => {
    const service = await freshService('crash');
    const store = new PostgresEventStore({ pool, service, pollIntervalMs: 50 });
    await seed(store, 20, 10);
    let crashes = 0;
    const projector = new AsyncProjector({
      pool,
      service,
      projection: counterProjection(),
      waitForAppend: (ms) => store.waitForAppend(ms),
      batchSize: 37,
      pollIntervalMs: 50,
      retryBaseDelayMs: 5,
      beforeCommit: async (client) => {
        // The process dies with the batch written but not committed: kill its connection.
        if (crashes++ < 2) {
          const pid = (client as unknown as { processID: number }).processID;
          await pool.query('SELECT pg_terminate_backend($1)', [pid]);
        }
      },
    });
    projector.start();
    await waitFor(
      async () => (await readCheckpoint(pool, `${service}_rm`, 'counters')).globalPosition >= 200,
    );
    await projector.stop();
    expect(crashes).toBeGreaterThan(2);
    const expected = Array.from({ length: 20 }, (_, s) => ({
      id: `counter-${s}`,
      count: 10,
      total: Array.from({ length: 10 }, (_, i) => s * 100 + i).reduce((a, b) => a + b, 0),
      lastType: 'Counted',
    })).sort((a, b) => a.id.localeCompare(b.id));
    expect(await rows(service)).toEqual(expected);
    await store.close();
  });

  it('keeps one active instance; the standby takes over when it stops', async () => {
    const service = await freshService('standby');
    const store = new PostgresEventStore({ pool, service, pollIntervalMs: 50 });
    const make = () =>
      new AsyncProjector({
        pool,
        service,
        projection: counterProjection(),
        waitForAppend: (ms) => store.waitForAppend(ms),
        pollIntervalMs: 50,
        standbyRetryMs: 50,
      });
    const first = make();
    const second = make();
    first.start();
    await waitFor(async () => first.status === 'running');
    second.start();
    await new Promise((r) => setTimeout(r, 200));
    expect(second.status).toBe('standby');
    await first.stop();
    await waitFor(async () => second.status === 'running');
    await store.append('counter-x', [counted(5)], { expectedVersion: 'no_stream' });
    await waitFor(async () => (await rows(service)).length === 1);
    await second.stop();
    await store.close();
  });

  it('parks a poison event with its error, goes on, and applies it once when retried after a fix', async () => {
    const service = await freshService('poison');
    const store = new PostgresEventStore({ pool, service, pollIntervalMs: 50 });
    await store.append('counter-p', [counted(1), counted(666), counted(2)], { expectedVersion: 'no_stream' });
    await store.append('counter-q', [counted(3)], { expectedVersion: 'no_stream' });
    const errors: unknown[] = [];
    const projector = new AsyncProjector({
      pool,
      service,
      projection: counterProjection({ failOn: (n) => n === 666 }),
      waitForAppend: (ms) => store.waitForAppend(ms),
      pollIntervalMs: 50,
      maxAttempts: 3,
      retryBaseDelayMs: 2,
      onError: (error) => errors.push(error),
    });
    projector.start();
    await waitFor(async () => (await rows(service)).length === 2);
    await projector.stop();
    expect(await rows(service)).toEqual([
      { id: 'counter-p', count: 2, total: 3, lastType: 'Counted' },
      { id: 'counter-q', count: 1, total: 3, lastType: 'Counted' },
    ]);
    const [letter, ...others] = await listDeadLetters(pool, service, { sourceKind: 'projection' });
    expect(others).toEqual([]);
    expect(letter).toMatchObject({
      sourceName: 'counters',
      messageType: 'Counted',
      status: 'parked',
      attempts: 3,
    });
    expect(letter!.error).toContain('cannot count 666');
    expect(errors.length).toBeGreaterThan(0);

    // The fix: the projection accepts 666 now. Retrying applies it exactly once.
    const fixed = [counterProjection()];
    expect(await retryProjectionDeadLetter(pool, service, letter!.id, fixed)).toBe(true);
    expect(await retryProjectionDeadLetter(pool, service, letter!.id, fixed)).toBe(false);
    expect((await rows(service))[0]).toEqual({ id: 'counter-p', count: 3, total: 669, lastType: 'Counted' });
    await store.close();
  });
});
