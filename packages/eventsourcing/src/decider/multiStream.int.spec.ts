import { isAppError } from '@ledgerline/contracts';
import { dropServiceSchemas, testPool, uniqueServiceName } from '@ledgerline/testing';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateService } from '../migrations/kernelMigrations.js';
import { PostgresEventStore } from '../postgres/pgEventStore.js';
import {
  type CounterRow,
  counterMigrationsDir,
  counterProjection,
} from '../projections/fixtures/counterProjection.js';
import { inlineProjections } from '../projections/inline.js';
import { projectedRow } from '../projections/projection.js';
import type { EventStore } from '../store/types.js';
import { handleCommand, loadStreams } from './commandHandler.js';
import { type DoorCommand, door } from './fixtures/door.js';

// A "building" command: installs one door and, in the same transaction, opens every other door
// of the building at the version prepare read — the shape of identity's "reset the password and
// end every session". Counted events on the counter streams exercise the inline projection.
let pool: pg.Pool;
let store: PostgresEventStore;
const service = uniqueServiceName('multi');

beforeAll(async () => {
  pool = await testPool(10);
  await migrateService(pool, service, counterMigrationsDir);
  const projection = counterProjection();
  store = new PostgresEventStore({ pool, service, appendHooks: [inlineProjections(service, [projection])] });
});

afterAll(async () => {
  await store.close();
  await dropServiceSchemas(pool, service);
  await pool.end();
});

const install = (streamId: string) =>
  handleCommand({
    store,
    decider: door,
    streamId,
    command: { type: 'Install' } as DoorCommand,
    context: () => ({ now: new Date() }),
  });

const installAndOpen = (streamId: string, others: string[], over: EventStore = store, retries = 0) => {
  let prepares = 0;
  const run = handleCommand({
    store: over,
    decider: door,
    streamId,
    command: { type: 'Install' } as DoorCommand,
    retries,
    meta: { correlationId: 'corr-multi' },
    prepare: async () => {
      prepares++;
      return { now: new Date('2026-11-30T10:00:00.000Z'), doors: await loadStreams(over, door, others) };
    },
    context: ({ now }) => ({ now }),
    alsoAppend: ({ prepared }) =>
      prepared.doors.map(({ streamId: id, state, version }) => ({
        streamId: id,
        events: door.decide({ type: 'Open' }, state, { now: prepared.now }),
        expectedVersion: version,
      })),
  });
  return { run, prepares: () => prepares };
};

describe('handleCommand across streams', () => {
  it('appends the command’s events and the other streams’ in one transaction, at the versions read', async () => {
    await install('door-b1');
    await install('door-b2');
    const { run } = installAndOpen('door-a', ['door-b1', 'door-b2']);
    const result = await run;
    expect(result.recorded.map((e) => e.type)).toEqual(['DoorInstalled']);
    expect(result.others.map((o) => [o.events[0]!.streamId, o.nextExpectedVersion])).toEqual([
      ['door-b1', 2],
      ['door-b2', 2],
    ]);
    expect(result.others[0]!.events[0]).toMatchObject({
      type: 'DoorOpened',
      data: { at: '2026-11-30T10:00:00.000Z' },
      meta: { correlationId: 'corr-multi' },
    });
    // One transaction: every event carries the same transaction id.
    const tx = new Set(
      [...result.recorded, ...result.others.flatMap((o) => o.events)].map((e) => e.transactionId),
    );
    expect(tx.size).toBe(1);
  });

  it('appends nothing anywhere when one stream moved, and retries the whole loop with prepare', async () => {
    await install('door-c1');
    await install('door-c2');
    // A store on which door-c2 moves once, right after prepare read it.
    let raced = false;
    const racing: EventStore = Object.assign(Object.create(store) as EventStore, {
      readStream: async (id: string) => {
        const events = await store.readStream(id);
        if (id === 'door-c2' && !raced) {
          raced = true;
          const at = events.length;
          await store.append(id, [{ type: 'DoorOpened', data: { at: 'x' } }], { expectedVersion: at });
          await store.append(id, [{ type: 'DoorClosed', data: { at: 'y' } }], { expectedVersion: at + 1 });
        }
        return events;
      },
    });
    const failing = installAndOpen('door-c', ['door-c1', 'door-c2'], racing);
    const error = await failing.run.catch((e: unknown) => e);
    expect(isAppError(error) && error.code).toBe('CONFLICT');
    expect(await store.streamVersion('door-c')).toBe(0);
    expect(await store.streamVersion('door-c1')).toBe(1);

    raced = false;
    const retried = installAndOpen('door-c', ['door-c1', 'door-c2'], racing, 1);
    const result = await retried.run;
    expect(retried.prepares()).toBe(2);
    expect(result.others.map((o) => o.nextExpectedVersion)).toEqual([2, 6]);
    expect(await store.streamVersion('door-c')).toBe(1);
  });

  it('runs the inline projections over every stream’s events and returns typed rows', async () => {
    const result = await handleCommand({
      store,
      decider: {
        initialState: () => null,
        evolve: (s: null) => s,
        decide: () => [{ type: 'Counted', data: { n: 2 } }],
      },
      streamId: 'counter-m1',
      command: {},
      context: () => ({}),
      alsoAppend: () => [
        {
          streamId: 'counter-m2',
          events: [{ type: 'Counted', data: { n: 5 } }],
          expectedVersion: 'no_stream',
        },
      ],
    });
    const first: CounterRow | null | undefined = projectedRow(result, counterProjection(), 'counter-m1');
    expect(first).toMatchObject({ id: 'counter-m1', count: 1, total: 2n });
    expect(first?.updatedAt).toBeInstanceOf(Date);
    expect(projectedRow(result, counterProjection(), 'counter-m2')).toMatchObject({ total: 5n });
    expect(projectedRow(result, counterProjection(), 'counter-none')).toBeUndefined();
  });

  it('appends nothing for a caller that has gone: an aborted signal stops the loop before the append', async () => {
    const controller = new AbortController();
    const gone = new Error('caller gone');
    const error = await handleCommand({
      store,
      decider: door,
      streamId: 'door-gone',
      command: { type: 'Install' } as DoorCommand,
      signal: controller.signal,
      // The deadline passes while the command prepares (a slow hash, a slow read).
      prepare: async () => controller.abort(gone),
      context: () => ({ now: new Date() }),
    }).catch((e: unknown) => e);
    expect(error).toBe(gone);
    expect(await store.streamVersion('door-gone')).toBe(0);
  });
});
