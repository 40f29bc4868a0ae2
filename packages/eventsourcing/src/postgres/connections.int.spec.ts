import { isAppError } from '@ledgerline/contracts';
import {
  dropServiceSchemas,
  infrastructure,
  testPool,
  uniqueServiceName,
  waitUntil,
} from '@ledgerline/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateService } from '../migrations/kernelMigrations.js';
import { counterMigrationsDir, counterProjection } from '../projections/fixtures/counterProjection.js';
import { inlineProjections } from '../projections/inline.js';
import { defineReactor } from '../reactors/reactor.js';
import { ReactorRunner } from '../reactors/reactorRunner.js';
import { withTransaction } from './connections.js';
import { PostgresEventStore } from './pgEventStore.js';

// Issue 8, item 1: backends terminated under load (what a failover or a restart does) must fail
// the operations in flight with UNAVAILABLE, never crash the process with an unhandled 'error'
// event, and the next operations must reconnect and succeed. Only this file's connections are
// terminated (by application_name), so other tests on the same server are untouched.
const service = uniqueServiceName('conn');
const applicationName = `ll-test-${service}`;
let admin: pg.Pool;
let pool: pg.Pool;
let store: PostgresEventStore;
let reactor: ReactorRunner;
let reacted = 0;

beforeAll(async () => {
  admin = await testPool(2);
  await migrateService(admin, service, counterMigrationsDir);
  const { databaseUrl } = await infrastructure();
  pool = new pg.Pool({ connectionString: databaseUrl, max: 20, application_name: applicationName });
  const hook = inlineProjections(service, [counterProjection()]);
  store = new PostgresEventStore({ pool, service, appendHooks: [hook], pollIntervalMs: 100 });
  reactor = new ReactorRunner({
    pool,
    service,
    store,
    reactor: defineReactor({
      name: 'count',
      canHandle: ['Counted'],
      react: async () => {
        reacted++;
      },
    }),
    retryBaseDelayMs: 10,
  });
  reactor.start();
});

afterAll(async () => {
  await reactor.stop();
  await store.close();
  await pool.end();
  await dropServiceSchemas(admin, service);
  await admin.end();
});

const alive = async (pids: number[]) =>
  Number(
    (await admin.query(`SELECT count(*) AS n FROM pg_stat_activity WHERE pid = ANY($1::int[])`, [pids]))
      .rows[0].n,
  );

const terminateAll = async () => {
  const { rows } = await admin.query(
    `SELECT pg_terminate_backend(pid) AS done FROM pg_stat_activity WHERE application_name = $1`,
    [applicationName],
  );
  return rows.length;
};

const codeOf = (error: unknown) => (isAppError(error) ? error.code : `untyped: ${String(error)}`);

const count = (streamId: string, n: number) =>
  store.append(streamId, [{ type: 'Counted', data: { n } }], { expectedVersion: 'any' });

const stored = async () =>
  Number(
    (await admin.query(`SELECT count(*) AS n FROM "${service}_es".events WHERE event_type = 'Counted'`))
      .rows[0].n,
  );

describe('a terminated backend', () => {
  it('fails the transactions in flight with UNAVAILABLE, and the next ones reconnect', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const pids: number[] = [];
    const held = Array.from({ length: 15 }, (_, i) =>
      withTransaction(pool, async (client) => {
        await client.query(`INSERT INTO "${service}_es".positions VALUES ($1, '1', 1)`, [`held-${i}`]);
        pids.push((await client.query('SELECT pg_backend_pid() AS pid')).rows[0].pid);
        await gate; // idle in transaction when the backend is terminated: only an 'error' event tells
        await client.query('SELECT 1');
      }).then(
        () => 'committed',
        (error: unknown) => codeOf(error),
      ),
    );
    await waitUntil(() => pids.length === 15, 20_000);
    expect(await terminateAll()).toBeGreaterThanOrEqual(15);
    // Every terminated session is gone before the transactions go on (other connections of the
    // pool, the reactor's and the LISTEN one, reconnect meanwhile).
    await waitUntil(async () => (await alive(pids)) === 0, 20_000);
    release();
    expect(await Promise.all(held)).toEqual(Array.from({ length: 15 }, () => 'UNAVAILABLE'));
    const positions = await admin.query(
      `SELECT count(*)::int AS n FROM "${service}_es".positions WHERE name LIKE 'held-%'`,
    );
    expect(positions.rows[0].n).toBe(0);

    // The pool dropped the broken clients: the next appends (with inline projections) succeed.
    const before = await stored();
    await Promise.all(Array.from({ length: 20 }, (_, i) => count(`counter-after-${i}`, i)));
    expect((await stored()) - before).toBe(20);
  });

  it('survives terminations under concurrent appends: failures are UNAVAILABLE, nothing acknowledged is lost', async () => {
    const acknowledged: string[] = [];
    const failures: string[] = [];
    let terminations = 0;
    const writer = async (w: number) => {
      for (let i = 0; i < 40; i++) {
        try {
          const result = await count(`counter-load-${w}`, i);
          acknowledged.push(result.events[0]!.id);
        } catch (error) {
          failures.push(codeOf(error));
        }
        // Terminate every backend of the pool after 100 and after 300 acknowledged appends.
        if (
          (acknowledged.length >= 100 && terminations === 0) ||
          (acknowledged.length >= 300 && terminations === 1)
        ) {
          terminations++;
          await terminateAll();
        }
      }
    };
    await Promise.all(Array.from({ length: 20 }, (_, w) => writer(w)));
    expect(terminations).toBe(2);
    expect(new Set(failures)).toEqual(failures.length > 0 ? new Set(['UNAVAILABLE']) : new Set());
    expect(acknowledged.length + failures.length).toBe(800);
    const ids = await admin.query(
      `SELECT event_id::text AS id FROM "${service}_es".events WHERE event_id = ANY($1::uuid[])`,
      [acknowledged],
    );
    expect(ids.rowCount).toBe(acknowledged.length);
    // Later appends succeed, and the reactor (a LeaderWorker whose connection was terminated too) catches up.
    const total = await stored();
    await count('counter-final', 1);
    await waitUntil(() => reacted >= total + 1, 30_000);
    expect(reactor.status).toBe('running');
  });
});
