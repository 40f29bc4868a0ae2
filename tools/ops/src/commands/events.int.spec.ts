import { migrateService, PostgresEventStore } from '@ledgerline/eventsourcing';
import { dropServiceSchemas, testPool, uniqueServiceName } from '@ledgerline/testing';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCli } from '../testing/runCli.test-helpers.js';

const service = uniqueServiceName('ops_tail');
let pool: pg.Pool;
let store: PostgresEventStore;

beforeAll(async () => {
  pool = await testPool(2);
  await migrateService(pool, service);
  store = new PostgresEventStore({ pool, service });
  await store.append('before-1', [{ type: 'Counted', data: { n: 1 } }], { expectedVersion: 'no_stream' });
});
afterAll(async () => {
  await store.close();
  await dropServiceSchemas(pool, service);
  await pool.end();
});

describe('ledgerline events tail', () => {
  it('prints events appended after it started, filtered by type, and stops on SIGINT', async () => {
    const tail = await startCli(['events', 'tail', service, '--type', 'Counted']);
    await tail.waitFor(/following .*events \(Ctrl-C to stop\)/, 'stderr');
    await store.append('live-1', [{ type: 'Ignored', data: {} }], { expectedVersion: 'no_stream' });
    await store.append('live-2', [{ type: 'Counted', data: { n: 2 } }], { expectedVersion: 'no_stream' });
    await tail.waitFor(/live-2\s+Counted/);
    tail.child.kill('SIGINT');
    const result = await tail.done;
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines).toEqual([expect.stringMatching(/^\s*\d+\s+\d{4}-\d\d-\d\dT\S+\s+live-2\s+Counted$/)]);
  });

  it('prints the whole log as JSON with --from-start', async () => {
    const tail = await startCli(['events', 'tail', service, '--from-start', '--json']);
    await tail.waitFor(/"streamId":"live-2"/);
    tail.child.kill('SIGINT');
    const result = await tail.done;
    expect(result.code).toBe(0);
    const streams = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line).streamId);
    expect(streams).toEqual(['before-1', 'live-1', 'live-2']);
  });
});
