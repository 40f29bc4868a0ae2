import { randomBytes, randomUUID } from 'node:crypto';
import { testPool } from '@ledgerline/testing';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { NotifiedCache, notifyChanged } from './notifiedCache.js';
import { quoteIdent } from './sql.js';

// A NotifiedCache over a real table: it answers from memory only while it hears every change.
const schema = `notified_${randomBytes(4).toString('hex')}`;
const table = `${quoteIdent(schema)}."tiers"`;
const channel = `${schema}_tiers`;
let pool: pg.Pool;

beforeAll(async () => {
  pool = await testPool(4);
  await pool.query(`CREATE SCHEMA ${quoteIdent(schema)}`);
  await pool.query(`CREATE TABLE ${table} (id uuid PRIMARY KEY, tier text NOT NULL)`);
});

afterAll(async () => {
  await pool.query(`DROP SCHEMA ${quoteIdent(schema)} CASCADE`);
  await pool.end();
});

/** A cache over the table that counts the keys it reads. */
function tierCache() {
  const reads: string[] = [];
  const cache = new NotifiedCache<string>({
    pool,
    channel,
    async load(keys) {
      reads.push(...keys);
      const { rows } = await pool.query<{ id: string; tier: string }>(
        `SELECT id::text, tier FROM ${table} WHERE id = ANY($1::uuid[])`,
        [keys],
      );
      return new Map(rows.map((r) => [r.id, r.tier]));
    },
  });
  return { cache, reads };
}

async function listening(cache: NotifiedCache<string>): Promise<void> {
  await cache.get(randomUUID()); // starts the LISTEN
  await vi.waitFor(() => expect(cache.isListening).toBe(true), { timeout: 10_000 });
}

async function setTier(id: string, tier: string, announce: boolean): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(
      `INSERT INTO ${table} (id, tier) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET tier = $2`,
      [id, tier],
    );
    if (announce) await notifyChanged(client, channel, id);
    await client.query('COMMIT');
  } finally {
    client.release();
  }
}

describe('NotifiedCache', () => {
  it('remembers what it read (found or not) once it listens', async () => {
    const { cache, reads } = tierCache();
    try {
      await listening(cache);
      const [known, unknown] = [randomUUID(), randomUUID()];
      await setTier(known, 'pro', false);
      expect(await cache.get(known)).toBe('pro');
      expect(await cache.get(unknown)).toBeUndefined();
      expect(await cache.get(known)).toBe('pro');
      expect(await cache.get(unknown)).toBeUndefined();
      expect(reads.filter((k) => k === known || k === unknown)).toEqual([known, unknown]);
    } finally {
      await cache.close();
    }
  });

  it('reads a key again once a committed change to it is announced; other keys stay remembered', async () => {
    const { cache, reads } = tierCache();
    try {
      await listening(cache);
      const [changed, other] = [randomUUID(), randomUUID()];
      await setTier(changed, 'free', false);
      await setTier(other, 'free', false);
      expect(await cache.get(changed)).toBe('free');
      expect(await cache.get(other)).toBe('free');
      // Unannounced, the change is not seen (the remembered value answers) ...
      await setTier(changed, 'pro', false);
      expect(await cache.get(changed)).toBe('free');
      // ... announced, it is, as soon as the notification arrives.
      await setTier(changed, 'enterprise', true);
      await vi.waitFor(async () => expect(await cache.get(changed)).toBe('enterprise'), { timeout: 10_000 });
      expect(await cache.get(other)).toBe('free');
      expect(reads.filter((k) => k === other)).toEqual([other]);
    } finally {
      await cache.close();
    }
  });

  it('forgets everything when its LISTEN connection is terminated, and listens again', async () => {
    const { cache } = tierCache();
    try {
      await listening(cache);
      const id = randomUUID();
      await setTier(id, 'free', false);
      expect(await cache.get(id)).toBe('free');
      await setTier(id, 'pro', false); // a change it cannot hear of: made while it is down below
      await pool.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = $1 AND pid <> pg_backend_pid()`,
        [`LISTEN ${quoteIdent(channel)}`],
      );
      await vi.waitFor(() => expect(cache.isListening).toBe(false), { timeout: 10_000 });
      expect(await cache.get(id)).toBe('pro');
      await vi.waitFor(() => expect(cache.isListening).toBe(true), { timeout: 10_000 });
      // Listening again, and hearing changes again.
      expect(await cache.get(id)).toBe('pro');
      await setTier(id, 'enterprise', true);
      await vi.waitFor(async () => expect(await cache.get(id)).toBe('enterprise'), { timeout: 10_000 });
    } finally {
      await cache.close();
    }
  });

  it('does not keep a read that a notification overtook', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const id = randomUUID();
    let reads = 0;
    const cache = new NotifiedCache<string>({
      pool,
      channel,
      async load() {
        reads++;
        if (reads === 2) await gate; // the read that a change overtakes
        return new Map([[id, `read ${reads}`]]);
      },
    });
    try {
      await cache.get(randomUUID());
      await vi.waitFor(() => expect(cache.isListening).toBe(true), { timeout: 10_000 });
      const slow = cache.get(id);
      // A notification (of any key) arrives while the read is out: its answer is served, not kept.
      const heard = cache.notificationsHeard;
      await pool.query('SELECT pg_notify($1, $2)', [channel, randomUUID()]);
      await vi.waitFor(() => expect(cache.notificationsHeard).toBeGreaterThan(heard), { timeout: 10_000 });
      release();
      expect(await slow).toBe('read 2');
      expect(await cache.get(id)).toBe('read 3');
      expect(await cache.get(id)).toBe('read 3');
    } finally {
      await cache.close();
    }
  });
});
