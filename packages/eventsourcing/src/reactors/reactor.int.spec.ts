import { dropServiceSchemas, testPool, uniqueServiceName, waitUntil } from '@ledgerline/testing';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listDeadLetters } from '../deadLetters/deadLetters.js';
import type { DomainEvent } from '../decider/decider.js';
import { migrateService } from '../migrations/kernelMigrations.js';
import { PostgresEventStore } from '../postgres/pgEventStore.js';
import { defineReactor, type Reactor } from './reactor.js';
import { ReactorRunner } from './reactorRunner.js';
import { readReactorStatus } from './reactorStatus.js';
import { retryReactorDeadLetter } from './retryDeadLetter.js';

type Counted = DomainEvent<'Counted', { n: number }>;

let pool: pg.Pool;
const services: string[] = [];
const stores: PostgresEventStore[] = [];
const runners: ReactorRunner[] = [];

beforeAll(async () => {
  pool = await testPool(20);
});
afterAll(async () => {
  await Promise.all(runners.map((r) => r.stop()));
  for (const store of stores) await store.close();
  for (const service of services) await dropServiceSchemas(pool, service);
  await pool.end();
});

async function freshService(prefix: string) {
  const service = uniqueServiceName(prefix);
  services.push(service);
  await migrateService(pool, service);
  await pool.query(`CREATE TABLE "${service}_es".seen (event_id uuid, n int)`);
  const store = new PostgresEventStore({ pool, service, pollIntervalMs: 100 });
  stores.push(store);
  return { service, store };
}

/** Records each Counted it sees and appends a Tallied to `tally-<stream>`, in the reactor's transaction. */
const tally = (service: string, options: { failOn?: (n: number) => boolean } = {}): Reactor<Counted> =>
  defineReactor<Counted>({
    name: 'tally',
    canHandle: ['Counted'],
    react: async (event, { client, append }) => {
      if (options.failOn?.(event.data.n)) throw new Error(`cannot tally ${event.data.n}`);
      await client.query(`INSERT INTO "${service}_es".seen VALUES ($1, $2)`, [event.id, event.data.n]);
      await append(`tally-${event.streamId}`, [{ type: 'Tallied', data: { n: event.data.n } }], {
        expectedVersion: 'any',
      });
    },
  });

const start = (runner: ReactorRunner) => {
  runners.push(runner);
  runner.start();
  return runner;
};

const seen = async (service: string) =>
  (await pool.query<{ n: number }>(`SELECT n FROM "${service}_es".seen ORDER BY n`)).rows.map((r) => r.n);

const count = (store: PostgresEventStore, streamId: string, n: number) =>
  store.append(streamId, [{ type: 'Counted', data: { n } }], { expectedVersion: 'any' });

describe('ReactorRunner', () => {
  it('runs each event’s effect once, with its checkpoint, even when a commit fails after the effect', async () => {
    const { service, store } = await freshService('react');
    for (let n = 1; n <= 30; n++) await count(store, `counter-${n % 3}`, n);
    let crashes = 0;
    const options = {
      pool,
      service,
      store,
      reactor: tally(service),
      batchSize: 7,
      retryBaseDelayMs: 5,
      standbyRetryMs: 50,
      beforeCommit: async () => {
        // The batch's effects and checkpoint are written: fail the commit twice (a crash there).
        if (crashes++ < 2) throw Object.assign(new Error('crash before commit'), { poison: true });
      },
    };
    // Two instances: one is active, the other waits on standby.
    const a = start(new ReactorRunner(options));
    const b = start(new ReactorRunner(options));
    await waitUntil(async () => (await seen(service)).length >= 30, 20_000);
    for (let n = 31; n <= 35; n++) await count(store, 'counter-late', n);
    await waitUntil(async () => (await seen(service)).length >= 35, 20_000);
    expect(await seen(service)).toEqual(Array.from({ length: 35 }, (_, i) => i + 1));
    expect(crashes).toBeGreaterThanOrEqual(2);
    expect([a.status, b.status].sort()).toEqual(['running', 'standby']);
    // Its own appends (Tallied) passed through it without effect; the checkpoint is at the head.
    await waitUntil(async () => (await readReactorStatus(pool, service, 'tally')).lag === 0, 20_000);
    const status = await readReactorStatus(pool, service, 'tally');
    expect(status).toMatchObject({ name: 'tally', lag: 0, running: true, deadLetters: 0 });
    const tallied = await pool.query(
      `SELECT count(*)::int AS n FROM "${service}_es".events WHERE event_type = 'Tallied'`,
    );
    expect(tallied.rows[0].n).toBe(35);
  });

  it('parks a poison event after its attempts, goes on, and applies it once when retried after a fix', async () => {
    const { service, store } = await freshService('reactp');
    let broken = true;
    const reactor = tally(service, { failOn: (n) => n === 2 && broken });
    for (let n = 1; n <= 4; n++) await count(store, 'counter-p', n);
    start(new ReactorRunner({ pool, service, store, reactor, maxAttempts: 2, retryBaseDelayMs: 5 }));
    await waitUntil(async () => (await seen(service)).length >= 3, 20_000);
    expect(await seen(service)).toEqual([1, 3, 4]);
    const [letter] = await listDeadLetters(pool, service, { sourceKind: 'reactor', sourceName: 'tally' });
    expect(letter).toMatchObject({ messageType: 'Counted', attempts: 2, status: 'parked' });
    expect(letter!.error).toMatch(/cannot tally 2/);
    await waitUntil(async () => (await readReactorStatus(pool, service, 'tally')).deadLetters === 1, 20_000);

    broken = false;
    const retry = () => retryReactorDeadLetter({ pool, service, store, id: letter!.id, reactors: [reactor] });
    expect(await retry()).toBe(true);
    expect(await retry()).toBe(false);
    expect(await seen(service)).toEqual([1, 2, 3, 4]);
  });
});
