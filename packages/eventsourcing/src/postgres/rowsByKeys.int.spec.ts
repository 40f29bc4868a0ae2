import { randomBytes } from 'node:crypto';
import { testPool } from '@ledgerline/testing';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quoteIdent, rowsByKeys } from './sql.js';

// A named statement's generic plan is made once, from the table's size at the time, and kept until
// the table is analyzed again. The lookup by a key array must keep probing the index after a fresh
// table has grown (a new read model: in the files benchmark, the `= ANY($1)` form it replaces had
// settled on sequential scans of the files table, 1.7 ms per append at 14k rows).
const schema = `keys_${randomBytes(4).toString('hex')}`;
const table = `${quoteIdent(schema)}."docs"`;
let pool: pg.Pool;
let client: pg.PoolClient;

beforeAll(async () => {
  pool = await testPool(2);
  await pool.query(`CREATE SCHEMA ${quoteIdent(schema)}`);
  await pool.query(`CREATE TABLE ${table} (id uuid PRIMARY KEY, body text NOT NULL)`);
  client = await pool.connect();
  // Every execution uses the plan made at the first one, on the empty table.
  await client.query('SET plan_cache_mode = force_generic_plan');
});

afterAll(async () => {
  client.release();
  await pool.query(`DROP SCHEMA ${quoteIdent(schema)} CASCADE`);
  await pool.end();
});

/** Prepares `text` and answers the plan it made (the one every later execution uses). */
async function planOf(name: string, text: string): Promise<string> {
  await client.query(`PREPARE ${name}(uuid[]) AS ${text}`);
  await client.query(`EXECUTE ${name}(ARRAY[gen_random_uuid()])`);
  return (
    await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN EXECUTE ${name}(ARRAY[gen_random_uuid()])`)
  ).rows
    .map((r) => r['QUERY PLAN'])
    .join('\n');
}

describe('rowsByKeys', () => {
  it('finds the rows of the keys asked for (each once per key, missing keys absent)', async () => {
    const ids = [crypto.randomUUID(), crypto.randomUUID()];
    await pool.query(`INSERT INTO ${table} VALUES ($1, 'one'), ($2, 'two')`, ids);
    const missing = crypto.randomUUID();
    const { rows } = await pool.query<{ id: string; body: string }>(
      `SELECT k.key::text AS id, (l.t).body FROM ${rowsByKeys(table, 'id', '$1::uuid[]')} ORDER BY 2`,
      [[ids[1], missing, ids[0]]],
    );
    expect(rows).toEqual([
      { id: ids[0], body: 'one' },
      { id: ids[1], body: 'two' },
    ]);
  });

  it('keeps probing the index of a fresh table as it grows after the plan was made', async () => {
    const fresh = `${quoteIdent(schema)}."fresh"`;
    await pool.query(`CREATE TABLE ${fresh} (id uuid PRIMARY KEY, body text NOT NULL)`);
    // A new read model's first rows, never analyzed yet (autovacuum has not run, or is off).
    await pool.query(`INSERT INTO ${fresh} SELECT gen_random_uuid(), 'first' FROM generate_series(1, 5)`);
    const plan = await planOf('by_keys', `SELECT k.key, (l.t).body FROM ${rowsByKeys(fresh, 'id', '$1')}`);
    expect(plan).toContain('Index Scan');
    await pool.query(
      `INSERT INTO ${fresh} SELECT gen_random_uuid(), repeat('x', 100) FROM generate_series(1, 20000)`,
    );
    const after = await client.query<{ 'QUERY PLAN': string }>(
      'EXPLAIN EXECUTE by_keys(ARRAY[gen_random_uuid()])',
    );
    expect(after.rows.map((r) => r['QUERY PLAN']).join('\n')).toMatch(/Index Scan using fresh_pkey/);
  });
});
