import {
  inlineProjections,
  migrateService,
  PostgresEventStore,
  parkDeadLetter,
} from '@ledgerline/eventsourcing';
import { dropServiceSchemas, testPool, uniqueServiceName } from '@ledgerline/testing';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manifest } from '../testing/fixtureManifest.js';
import { FIXTURE_MANIFEST, runCli, startCli } from '../testing/runCli.test-helpers.js';

const service = uniqueServiceName('ops_proj');
const [tallies] = manifest.projections;
let pool: pg.Pool;
let store: PostgresEventStore;

const counted = (n: number) => ({ type: 'Counted', data: { n } });

beforeAll(async () => {
  pool = await testPool(3);
  await migrateService(pool, service, manifest.readModelMigrationsDir);
  store = new PostgresEventStore({ pool, service, appendHooks: [inlineProjections(service, [tallies!])] });
  await store.append('counter-a', [counted(1), counted(2), counted(3)], { expectedVersion: 'no_stream' });
  await store.append('counter-b', [counted(10)], { expectedVersion: 'no_stream' });
});
afterAll(async () => {
  await store.close();
  await dropServiceSchemas(pool, service);
  await pool.end();
});

const cli = (...args: string[]) => runCli([...args, '--manifest', FIXTURE_MANIFEST]);

describe('ledgerline projections status', () => {
  it('reports checkpoint, head, lag, state and parked dead letters as JSON', async () => {
    await parkDeadLetter(pool, service, {
      sourceKind: 'projection',
      sourceName: 'totals',
      messageId: 'poison-1',
      payload: {},
      error: new Error('boom'),
      attempts: 5,
    });
    // Hold the worker lock the way a running AsyncProjector does.
    const runner = await pool.connect();
    await runner.query(`SELECT pg_advisory_lock(hashtext($1), hashtext($2))`, [
      `ll-worker:${service}`,
      'projection:totals',
    ]);
    try {
      const result = await cli('projections', 'status', '--service', service, '--json');
      expect(result.stderr).toBe('');
      expect(JSON.parse(result.stdout)).toEqual({
        services: [
          {
            service,
            migrated: true,
            head: 4,
            rebuildSchemaPresent: false,
            projections: [
              {
                name: 'tallies',
                mode: 'inline',
                checkpoint: null,
                head: 4,
                lag: 0,
                state: 'inline',
                deadLetters: 0,
              },
              {
                name: 'totals',
                mode: 'async',
                checkpoint: 0,
                head: 4,
                lag: 4,
                state: 'running',
                deadLetters: 1,
              },
            ],
          },
        ],
      });
    } finally {
      await runner.query('SELECT pg_advisory_unlock_all()');
      runner.release();
    }
  });
});

describe('ledgerline projections rebuild', () => {
  it('rebuilds the whole schema blue/green with progress and catches async projections up', async () => {
    const result = await cli('projections', 'rebuild', service, 'totals', '--batch-size', '2');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      `totals is rebuilt with the whole schema: ${service}_rm (tallies, totals)`,
    );
    expect(result.stdout).toMatch(/rebuilt from 4 events in [\d.]+s \(\d+ events\/s\), schemas swapped/);
    expect(result.stderr).toMatch(/done\s+\[.*\] 4\/4 events \| \d+ events\/s/);
    const { rows } = await pool.query(`SELECT id, sum FROM "${service}_rm"."Total" ORDER BY id`);
    expect(rows).toEqual([
      { id: 'counter-a', sum: 6 },
      { id: 'counter-b', sum: 10 },
    ]);
    const { rows: tallyRows } = await pool.query(`SELECT id, count FROM "${service}_rm"."Tally" ORDER BY id`);
    expect(tallyRows).toEqual([
      { id: 'counter-a', count: 3 },
      { id: 'counter-b', count: 1 },
    ]);
  });

  it('refuses a projection the service does not have', async () => {
    const result = await cli('projections', 'rebuild', service, 'nope');
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `ledgerline: ${service} has no projection "nope" (projections: tallies, totals)\n`,
    );
  });

  it('abandons cleanly on Ctrl-C: the live schema keeps serving, only _rm_next is left', async () => {
    const many = Array.from({ length: 300 }, (_, i) => counted(i));
    await store.append('counter-c', many, { expectedVersion: 'no_stream' });
    const run = await startCli([
      'projections',
      'rebuild',
      service,
      '--batch-size',
      '1',
      '--manifest',
      FIXTURE_MANIFEST,
    ]);
    await run.waitFor(/Ctrl-C abandons/);
    run.child.kill('SIGINT');
    const result = await run.done;
    expect(result.code).toBe(130);
    expect(result.stderr).toMatch(
      new RegExp(`ledgerline: rebuild of ${service} aborted: ${service}_rm is unchanged and still serving`),
    );
    const { rows } = await pool.query(`SELECT sum FROM "${service}_rm"."Total" WHERE id = 'counter-a'`);
    expect(rows).toEqual([{ sum: 6 }]);
  });
});
