import { dropServiceSchemas, testPool, uniqueServiceName } from '@ledgerline/testing';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURE_MANIFEST, runCli } from '../testing/runCli.test-helpers.js';

const service = uniqueServiceName('ops_migrate');
let pool: pg.Pool;

beforeAll(async () => {
  pool = await testPool(2);
});
afterAll(async () => {
  await dropServiceSchemas(pool, service);
  await pool.end();
});

describe('ledgerline migrate', () => {
  it('applies kernel and read-model migrations, then is a no-op', async () => {
    const args = ['migrate', '--service', service, '--manifest', FIXTURE_MANIFEST];
    const first = await runCli(args);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`${service}:`);
    expect(first.stdout).toMatch(new RegExp(`${service}_es: applied \\d+_ledgerline_event_store`));
    expect(first.stdout).toMatch(new RegExp(`${service}_rm: applied .*20260101000000_fixture`));
    const { rows } = await pool.query(`SELECT to_regclass($1) AS tally`, [`"${service}_rm"."Tally"`]);
    expect(rows[0].tally).not.toBeNull();

    const second = await runCli(args);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain(`${service}_es: up to date`);
    expect(second.stdout).toContain(`${service}_rm: up to date`);
    expect(second.stdout).not.toContain('applied 2');
  });

  it('refuses an unknown service instead of creating its schemas', async () => {
    const name = uniqueServiceName('ops_typo');
    const result = await runCli(['migrate', '--service', name]);
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^ledgerline: unknown service .*known: .*identity, notifier/),
    ]);
    const { rows } = await pool.query(`SELECT 1 FROM pg_namespace WHERE nspname = $1`, [`${name}_es`]);
    expect(rows).toEqual([]);
  });
});
