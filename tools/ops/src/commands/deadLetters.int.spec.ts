import { migrateService, parkDeadLetter } from '@ledgerline/eventsourcing';
import { dropServiceSchemas, testPool, uniqueServiceName } from '@ledgerline/testing';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manifest } from '../testing/fixtureManifest.js';
import { FIXTURE_MANIFEST, runCli } from '../testing/runCli.test-helpers.js';

const service = uniqueServiceName('ops_dl');
let pool: pg.Pool;
let projectionLetter: string;
let consumerLetter: string;

// The event a projection parked: the RecordedEvent, as the AsyncProjector stores it.
const poisonEvent = {
  id: '0190f0f0-0000-7000-8000-000000000001',
  type: 'Counted',
  schemaVersion: 1,
  streamId: 'counter-x',
  streamPosition: 1,
  globalPosition: 1,
  transactionId: 1,
  occurredAt: '2026-01-01T00:00:00.000Z',
  data: { n: 7 },
  meta: {},
};

beforeAll(async () => {
  pool = await testPool(2);
  await migrateService(pool, service, manifest.readModelMigrationsDir);
  projectionLetter = await parkDeadLetter(pool, service, {
    sourceKind: 'projection',
    sourceName: 'totals',
    messageId: poisonEvent.id,
    messageType: 'Counted',
    globalPosition: 1,
    payload: poisonEvent,
    error: new Error('cannot add 7'),
    attempts: 5,
  });
  consumerLetter = await parkDeadLetter(pool, service, {
    sourceKind: 'consumer',
    sourceName: 'mailer',
    messageId: 'evt-42',
    messageType: 'UserRegistered',
    payload: { subject: 'evt.identity.UserRegistered', body: {} },
    error: new Error('SMTP down'),
    attempts: 3,
  });
});
afterAll(async () => {
  await dropServiceSchemas(pool, service);
  await pool.end();
});

const cli = (...args: string[]) => runCli([...args, '--service', service]);
const statusOf = async (id: string) =>
  (await pool.query(`SELECT status FROM "${service}_es".dead_letters WHERE id = $1`, [id])).rows[0]?.status;

describe('ledgerline dead-letters', () => {
  it('lists (JSON and filtered table) and shows one with its payload', async () => {
    const [all, consumers, shown] = await Promise.all([
      cli('dead-letters', 'list', '--json'),
      cli('dead-letters', 'list', '--kind', 'consumer'),
      cli('dead-letters', 'show', projectionLetter),
    ]);
    expect(all.code).toBe(0);
    const letters = JSON.parse(all.stdout) as { id: string; service: string; sourceKind: string }[];
    expect(letters.map((l) => [l.id, l.service, l.sourceKind]).sort()).toEqual(
      [
        [projectionLetter, service, 'projection'],
        [consumerLetter, service, 'consumer'],
      ].sort(),
    );
    const lines = consumers.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^ID\s+SERVICE\s+KIND\s+NAME\s+TYPE\s+STATUS\s+ATTEMPTS\s+CREATED\s+ERROR$/);
    expect(lines.slice(1)).toEqual([
      expect.stringMatching(new RegExp(`^${consumerLetter}.*consumer\\s+mailer`)),
    ]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/source\s+projection totals/);
    expect(shown.stdout).toMatch(/error\s+Error: cannot add 7/);
    expect(shown.stdout).toContain('"streamId": "counter-x"');
  });

  it('retries a projection dead letter with the manifest and refuses a consumer one with why', async () => {
    const [retried, refused] = await Promise.all([
      runCli([
        'dead-letters',
        'retry',
        projectionLetter,
        '--service',
        service,
        '--manifest',
        FIXTURE_MANIFEST,
      ]),
      cli('dead-letters', 'retry', consumerLetter),
    ]);
    expect(retried.stderr).toBe('');
    expect(retried.stdout).toContain(`retried ${projectionLetter}: totals applied Counted`);
    expect(await statusOf(projectionLetter)).toBe('retried');
    const { rows } = await pool.query(`SELECT sum FROM "${service}_rm"."Total" WHERE id = 'counter-x'`);
    expect(rows).toEqual([{ sum: 7 }]);

    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /^ledgerline: cannot retry a consumer dead letter from the CLI: .*retries belong there/,
    );
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('discards once; a second discard and an unknown id are one-line errors', async () => {
    const first = await cli('dead-letters', 'discard', consumerLetter);
    expect(first.stdout).toBe(`discarded ${consumerLetter} (consumer mailer)\n`);
    expect(await statusOf(consumerLetter)).toBe('discarded');
    const [again, unknown] = await Promise.all([
      cli('dead-letters', 'discard', consumerLetter),
      cli('dead-letters', 'show', '0190f0f0-0000-7000-8000-0000000000ff'),
    ]);
    expect([again.code, again.stderr]).toEqual([
      1,
      `ledgerline: dead letter ${consumerLetter} is already discarded\n`,
    ]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe(
      `ledgerline: no dead letter 0190f0f0-0000-7000-8000-0000000000ff in ${service}\n`,
    );
  });
});
