import { ConcurrencyError, IllegalStateError } from '@ledgerline/contracts';
import { dropServiceSchemas, testPool, uniqueServiceName } from '@ledgerline/testing';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateService } from '../migrations/kernelMigrations.js';
import { PostgresEventStore } from '../postgres/pgEventStore.js';
import type { EventStore } from '../store/types.js';
import { handleCommand } from './commandHandler.js';
import { type Door, type DoorCommand, door } from './fixtures/door.js';
import { StreamStateCache } from './streamStateCache.js';

let pool: pg.Pool;
let store: PostgresEventStore;
const service = uniqueServiceName('handler');

beforeAll(async () => {
  pool = await testPool();
  await migrateService(pool, service);
  store = new PostgresEventStore({ pool, service });
});
afterAll(async () => {
  await store.close();
  await dropServiceSchemas(pool, service);
  await pool.end();
});

const run = (streamId: string, type: DoorCommand['type'], over: EventStore = store, retries = 0) =>
  handleCommand({
    store: over,
    decider: door,
    streamId,
    command: { type } as DoorCommand,
    context: () => ({ now: new Date() }),
    retries,
    meta: { correlationId: 'c-1' },
  });

describe('handleCommand', () => {
  it('loads, decides and appends at the version it read', async () => {
    const installed = await run('door-1', 'Install');
    expect(installed).toMatchObject({ nextExpectedVersion: 1, state: { status: 'Closed' } });
    const opened = await run('door-1', 'Open');
    expect(opened.events.map((e) => e.type)).toEqual(['DoorOpened']);
    expect(opened.recorded[0]).toMatchObject({ streamPosition: 2, meta: { correlationId: 'c-1' } });
    await expect(run('door-1', 'Install')).rejects.toBeInstanceOf(IllegalStateError);
  });

  it('appends nothing when the decider decides nothing', async () => {
    await run('door-2', 'Install');
    const result = await run('door-2', 'Close');
    expect(result.events).toEqual([]);
    expect(await store.streamVersion('door-2')).toBe(1);
  });

  it('with a state cache, folds only what other writers appended since', async () => {
    const cache = new StreamStateCache<Door>();
    const cached = (type: DoorCommand['type']) =>
      handleCommand({
        store,
        decider: door,
        streamId: 'door-c',
        command: { type } as DoorCommand,
        context: () => ({ now: new Date() }),
        cache,
      });
    await cached('Install');
    expect(cache.get('door-c')).toEqual({ state: { status: 'Closed' }, version: 1 });
    // Another process opens the door behind the cache's back.
    await store.append('door-c', [{ type: 'DoorOpened', data: { at: 'x' } }], { expectedVersion: 1 });
    const closed = await cached('Close');
    expect(closed.events.map((e) => e.type)).toEqual(['DoorClosed']);
    expect(closed.nextExpectedVersion).toBe(3);
    expect(cache.get('door-c')).toEqual({ state: { status: 'Closed' }, version: 3 });
  });

  it('retries on a conflict when asked, and fails fast otherwise', async () => {
    await run('door-3', 'Install');
    // A store whose stream moves between the read and the append, once.
    let raced = false;
    const racing: EventStore = Object.assign(Object.create(store) as EventStore, {
      readStream: async (id: string) => {
        const events = await store.readStream(id);
        if (!raced) {
          raced = true;
          await store.append(
            id,
            [
              { type: 'DoorOpened', data: { at: 'x' } },
              { type: 'DoorClosed', data: { at: 'y' } },
            ],
            {
              expectedVersion: events.length,
            },
          );
        }
        return events;
      },
    });
    await expect(run('door-3', 'Open', racing)).rejects.toBeInstanceOf(ConcurrencyError);
    raced = false;
    const retried = await run('door-3', 'Open', racing, 1);
    expect(retried.nextExpectedVersion).toBe(6);
  });
});
