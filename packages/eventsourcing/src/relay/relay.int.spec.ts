import { HEADER } from '@ledgerline/contracts';
import { dropServiceSchemas, infrastructure, testPool, uniqueServiceName } from '@ledgerline/testing';
import { type JetStreamClient, type JetStreamManager, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateService } from '../migrations/kernelMigrations.js';
import { PostgresEventStore } from '../postgres/pgEventStore.js';
import { ensureEventsStream } from './eventsStream.js';
import { readPosition } from './positions.js';
import { EventRelay } from './relay.js';
import { countSubject, readSubject } from './streamReader.testutil.js';

// Subjects need a kebab-case service; its schemas are the same name with underscores.
const service = uniqueServiceName('relay').replaceAll('_', '-');
let pool: pg.Pool;
let store: PostgresEventStore;
let nc: NatsConnection;
let js: JetStreamClient;
let jsm: JetStreamManager;

const meta = {
  requestId: 'req-1',
  correlationId: 'corr-1',
  causationId: 'cause-1',
  actor: { type: 'user' as const, id: 'u1' },
};
const isPublic = (type: string) => !type.startsWith('Private');

beforeAll(async () => {
  pool = await testPool(10);
  await migrateService(pool, service);
  store = new PostgresEventStore({ pool, service, pollIntervalMs: 50 });
  nc = await connect({ servers: (await infrastructure()).natsUrl });
  js = jetstream(nc);
  jsm = await jetstreamManager(nc);
  await ensureEventsStream(jsm);
});

afterAll(async () => {
  await store.close();
  await nc.close();
  await dropServiceSchemas(pool, service);
  await pool.end();
});

const appendStreams = async (prefix: string, streams: number, perStream: number) => {
  for (let s = 0; s < streams; s++) {
    const events = Array.from({ length: perStream }, (_, n) => ({
      type: n % 3 === 2 ? 'PrivateNoted' : 'ItemCounted',
      data: { stream: s, n },
    }));
    await store.append(`${prefix}-${s}`, events, { expectedVersion: 'no_stream', meta });
  }
};

describe('EventRelay', () => {
  it('publishes every public event in log order with Nats-Msg-Id and meta headers', async () => {
    await appendStreams('counter', 3, 6);
    // Listing the public types, the relay reads no private event's data; the public ones keep theirs.
    const publicTypes = ['ItemCounted'];
    const relay = new EventRelay({ pool, service, js, publicTypes, batchSize: 5, maxInFlight: 3 });
    expect(await relay.relayOnce()).toBe(12);
    const messages = await readSubject(js, jsm, `evt.${service}.>`);
    const stored = (await store.readAll({ maxCount: 100 })).filter((e) => isPublic(e.type));
    expect(messages.map((m) => m.headers?.get(HEADER.natsMsgId))).toEqual(stored.map((e) => e.id));
    expect(messages.map((m) => m.json<{ data: unknown }>().data)).toEqual(stored.map((e) => e.data));
    const first = messages[0]!.json<Record<string, unknown>>();
    expect(first).toMatchObject({ id: stored[0]!.id, type: 'ItemCounted', streamId: 'counter-0', meta });
    expect(first).not.toHaveProperty('transactionId');
    expect(messages[0]!.subject).toBe(`evt.${service}.ItemCounted`);
    expect(messages[0]!.headers?.get(HEADER.correlationId)).toBe('corr-1');
    const position = await readPosition(pool, `${service.replaceAll('-', '_')}_es`, 'relay');
    expect(position.globalPosition).toBe((await store.readAll({ maxCount: 100 })).at(-1)!.globalPosition);
  });

  it('republishes after a crash between publish and checkpoint, and the stream keeps one copy', async () => {
    await appendStreams('crash', 2, 5);
    const before = await countSubject(jsm, `evt.${service}.>`);
    const crashing = new EventRelay({
      pool,
      service,
      js,
      isPublic,
      beforeCheckpoint: async () => {
        throw new Error('crash before checkpoint');
      },
    });
    await expect(crashing.relayOnce()).rejects.toThrow('crash before checkpoint');
    expect(await countSubject(jsm, `evt.${service}.>`)).toBe(before + 8);
    const restarted = new EventRelay({ pool, service, js, isPublic });
    expect(await restarted.relayOnce()).toBe(8);
    expect(await countSubject(jsm, `evt.${service}.>`)).toBe(before + 8);
    const ids = (await readSubject(js, jsm, `evt.${service}.>`)).map((m) => m.headers?.get(HEADER.natsMsgId));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('runs as one active instance with a standby, following new appends', async () => {
    const active = new EventRelay({ pool, service, js, isPublic, store, pollIntervalMs: 50 });
    const standby = new EventRelay({ pool, service, js, isPublic, store, standbyRetryMs: 50 });
    active.start();
    await expect.poll(() => active.status).toBe('running');
    standby.start();
    await expect.poll(() => standby.status).toBe('standby');
    const before = await countSubject(jsm, `evt.${service}.>`);
    await store.append('live-1', [{ type: 'ItemCounted', data: { n: 1 } }], { expectedVersion: 'no_stream' });
    await expect.poll(() => countSubject(jsm, `evt.${service}.>`), { timeout: 5000 }).toBe(before + 1);
    await active.stop();
    await expect.poll(() => standby.status, { timeout: 5000 }).toBe('running');
    await store.append('live-2', [{ type: 'ItemCounted', data: { n: 2 } }], { expectedVersion: 'no_stream' });
    await expect.poll(() => countSubject(jsm, `evt.${service}.>`), { timeout: 5000 }).toBe(before + 2);
    await standby.stop();
  });
});
