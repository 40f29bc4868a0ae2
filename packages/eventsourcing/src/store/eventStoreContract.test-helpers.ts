import { randomUUID } from 'node:crypto';
import { ConcurrencyError, ConflictError } from '@ledgerline/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventStore, LogPosition, RecordedEvent, Subscription } from './types.js';
import { isAfter, positionOf } from './types.js';

/** What an adapter's contract spec hands the suite: a ready store and how to clean up after it. */
export interface ContractFixture {
  store: EventStore;
  teardown(): Promise<void>;
}

/**
 * The behaviour every EventStore adapter must show (ARCHITECTURE.md, "Event store"). The store
 * may already hold events (a shared KurrentDB): every test uses stream ids unique to this run
 * and only looks at those streams when it reads the whole log.
 */
export function describeEventStoreContract(name: string, setup: () => Promise<ContractFixture>): void {
  describe(`${name} (event-store contract)`, () => {
    const run = randomUUID().slice(0, 8);
    const stream = (label: string) => `contract${label}-${run}`;
    let fixture: ContractFixture | undefined;
    const store = () => fixture!.store;

    beforeAll(async () => {
      fixture = await setup();
    });
    afterAll(async () => {
      await fixture?.teardown();
    });

    /** Appends a marker and returns its position: readers start there and skip older events. */
    const mark = async (label: string): Promise<LogPosition> => {
      const { events } = await store().append(stream(`${label}marker`), [counted(0)], {
        expectedVersion: 'any',
      });
      return positionOf(events[0]!);
    };

    describe('append and readStream', () => {
      it('numbers events per stream from 1 and returns the next expected version', async () => {
        const id = stream('numbering');
        const first = await store().append(id, [counted(1), counted(2)], { expectedVersion: 'no_stream' });
        expect(first.nextExpectedVersion).toBe(2);
        expect(first.events.map((e) => e.streamPosition)).toEqual([1, 2]);
        const second = await store().append(id, [counted(3)], { expectedVersion: 2 });
        expect(second.nextExpectedVersion).toBe(3);
        expect(second.events.map((e) => e.streamPosition)).toEqual([3]);
        const read = await store().readStream(id);
        expect(read.map((e) => [e.streamPosition, (e.data as { n: number }).n])).toEqual([
          [1, 1],
          [2, 2],
          [3, 3],
        ]);
        expect(read.map((e) => e.id)).toEqual([...first.events, ...second.events].map((e) => e.id));
        expect(read[0]!.streamId).toBe(id);
        expect(new Date(read[0]!.occurredAt).getTime()).toBeGreaterThan(0);
      });

      it('stores the id, type, schema version, data and meta it was given', async () => {
        const id = stream('envelope');
        const eventId = randomUUID();
        await store().append(
          id,
          [
            {
              id: eventId,
              type: 'Renamed',
              schemaVersion: 3,
              data: { name: 'x', tags: ['a'] },
              meta: { requestId: 'r-2' },
            },
            { type: 'Counted', data: { n: 1 } },
          ],
          { expectedVersion: 'no_stream', meta: { requestId: 'r-1', correlationId: 'c-1' } },
        );
        const [renamed, plain] = await store().readStream(id);
        expect(renamed).toMatchObject({
          id: eventId,
          type: 'Renamed',
          schemaVersion: 3,
          data: { name: 'x', tags: ['a'] },
        });
        expect(renamed!.meta).toEqual({ requestId: 'r-2', correlationId: 'c-1' });
        expect(plain).toMatchObject({
          type: 'Counted',
          schemaVersion: 1,
          meta: { requestId: 'r-1', correlationId: 'c-1' },
        });
        expect(plain!.id).toMatch(/^[0-9a-f-]{36}$/);
      });

      it('reads a stream from a version, up to a count, and an unknown stream as empty', async () => {
        const id = stream('slice');
        await store().append(id, [1, 2, 3, 4, 5].map(counted), { expectedVersion: 'no_stream' });
        const slice = await store().readStream(id, { fromVersion: 2, maxCount: 3 });
        expect(slice.map((e) => e.streamPosition)).toEqual([2, 3, 4]);
        expect(await store().readStream(stream('never-written'))).toEqual([]);
      });

      it('reports the stream version, 0 for a stream that does not exist', async () => {
        const id = stream('version');
        expect(await store().streamVersion(id)).toBe(0);
        await store().append(id, [counted(1), counted(2)], { expectedVersion: 'no_stream' });
        expect(await store().streamVersion(id)).toBe(2);
        await store().append(id, [counted(3)], { expectedVersion: 'any' });
        expect(await store().streamVersion(id)).toBe(3);
      });
    });

    describe('expected versions', () => {
      it("rejects 'no_stream' on an existing stream with ConcurrencyError and writes nothing", async () => {
        const id = stream('nostream');
        await store().append(id, [counted(1)], { expectedVersion: 'no_stream' });
        const attempt = store().append(id, [counted(2)], { expectedVersion: 'no_stream' });
        await expect(attempt).rejects.toBeInstanceOf(ConcurrencyError);
        await expect(attempt).rejects.toMatchObject({
          code: 'CONFLICT',
          details: { streamId: id, expectedVersion: 'no_stream', actualVersion: 1, reason: 'concurrency' },
        });
        expect(await store().streamVersion(id)).toBe(1);
      });

      it('rejects a stale and a future version with the expected and actual versions', async () => {
        const id = stream('stale');
        await store().append(id, [counted(1), counted(2)], { expectedVersion: 'no_stream' });
        await expect(store().append(id, [counted(3)], { expectedVersion: 1 })).rejects.toMatchObject({
          code: 'CONFLICT',
          details: { streamId: id, expectedVersion: 1, actualVersion: 2, reason: 'concurrency' },
        });
        await expect(store().append(id, [counted(3)], { expectedVersion: 5 })).rejects.toMatchObject({
          details: { streamId: id, expectedVersion: 5, actualVersion: 2, reason: 'concurrency' },
        });
        await expect(
          store().append(stream('absent'), [counted(1)], { expectedVersion: 3 }),
        ).rejects.toMatchObject({
          details: { expectedVersion: 3, actualVersion: 0, reason: 'concurrency' },
        });
        expect(await store().streamVersion(id)).toBe(2);
        expect(await store().streamVersion(stream('absent'))).toBe(0);
      });

      it("appends at the head with 'any', on a new stream and under contention", async () => {
        const id = stream('any');
        await Promise.all(
          Array.from({ length: 10 }, (_, i) => store().append(id, [counted(i)], { expectedVersion: 'any' })),
        );
        const read = await store().readStream(id);
        expect(read.map((e) => e.streamPosition)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
        expect(new Set(read.map((e) => (e.data as { n: number }).n)).size).toBe(10);
      });

      it('lets exactly one of 16 concurrent appends at one version win, leaving nothing half-written', async () => {
        const id = stream('race');
        await store().append(id, [counted(0)], { expectedVersion: 'no_stream' });
        const attempts = await Promise.allSettled(
          Array.from({ length: 16 }, (_, i) =>
            store().append(id, [counted(i + 1), counted(i + 101)], { expectedVersion: 1 }),
          ),
        );
        const won = attempts.filter((a) => a.status === 'fulfilled');
        const lost = attempts.filter((a): a is PromiseRejectedResult => a.status === 'rejected');
        expect(won).toHaveLength(1);
        for (const failure of lost) expect(failure.reason).toBeInstanceOf(ConcurrencyError);
        const read = await store().readStream(id);
        expect(read.map((e) => e.streamPosition)).toEqual([1, 2, 3]);
        const [, a, b] = read.map((e) => (e.data as { n: number }).n);
        expect(b).toBe(a! + 100);
      });
    });

    describe('atomic multi-event appends', () => {
      it('writes all events of an append contiguously in the log, or none of them', async () => {
        const after = await mark('atomic');
        const ids = Array.from({ length: 8 }, (_, i) => stream(`atomic${i}`));
        await Promise.all(
          ids.map((id) => store().append(id, [1, 2, 3].map(counted), { expectedVersion: 'no_stream' })),
        );
        const rejected = store().append(ids[0]!, [4, 5, 6].map(counted), { expectedVersion: 'no_stream' });
        await expect(rejected).rejects.toBeInstanceOf(ConcurrencyError);

        const ours = await readUntil(store(), after, (e) => ids.includes(e.streamId), 24);
        expect(ours).toHaveLength(24);
        for (let i = 0; i < ours.length; i += 3) {
          const group = ours.slice(i, i + 3);
          expect(new Set(group.map((e) => e.streamId)).size).toBe(1);
          expect(group.map((e) => e.streamPosition)).toEqual([1, 2, 3]);
        }
      });
    });

    describe('readAll', () => {
      it('reads the log in order and in batches, without gaps or repeats', async () => {
        const after = await mark('readall');
        const a = stream('readallA');
        const b = stream('readallB');
        const appended: string[] = [];
        for (let i = 0; i < 4; i++) {
          const target = i % 2 === 0 ? a : b;
          const { events } = await store().append(target, [counted(i), counted(i + 10)], {
            expectedVersion: 'any',
          });
          appended.push(...events.map((e) => e.id));
        }
        const ours = (e: RecordedEvent) => e.streamId === a || e.streamId === b;

        // The log may show new events a little later (Postgres waits for older transactions).
        await readUntil(store(), after, ours, appended.length);
        const inOneRead = (await store().readAll({ after, maxCount: 1000 })).filter(ours);
        expect(inOneRead.map((e) => e.id)).toEqual(appended);

        const batches: RecordedEvent[][] = [];
        let position = after;
        for (;;) {
          const batch = await store().readAll({ after: position, maxCount: 3 });
          if (batch.length === 0) break;
          expect(batch.length).toBeLessThanOrEqual(3);
          batches.push(batch);
          position = positionOf(batch.at(-1)!);
        }
        const all = batches.flat();
        for (let i = 1; i < all.length; i++)
          expect(isAfter(positionOf(all[i]!), positionOf(all[i - 1]!))).toBe(true);
        expect(all.filter(ours).map((e) => e.id)).toEqual(appended);
        expect(all.every((e) => isAfter(positionOf(e), after))).toBe(true);
      });

      it('returns the positions an append reports, so a reader can resume from them', async () => {
        const id = stream('positions');
        const { events } = await store().append(id, [counted(1), counted(2)], {
          expectedVersion: 'no_stream',
        });
        expect(isAfter(positionOf(events[1]!), positionOf(events[0]!))).toBe(true);
        await readUntil(store(), positionOf(events[0]!), (e) => e.streamId === id, 1);
        const next = await store().readAll({ after: positionOf(events[0]!), maxCount: 1 });
        expect(next.map((e) => e.id)).toEqual([events[1]!.id]);
      });
    });

    describe('subscribe', () => {
      it('delivers events appended after it started, in order, in bounded batches, until stopped', async () => {
        const after = await mark('subscribe');
        const id = stream('subscribe');
        const seen: RecordedEvent[] = [];
        const errors: unknown[] = [];
        let largestBatch = 0;
        const subscription = store().subscribe({
          after,
          batchSize: 2,
          onBatch: async (events) => {
            largestBatch = Math.max(largestBatch, events.length);
            seen.push(...events.filter((e) => e.streamId === id));
          },
          onError: (error) => errors.push(error),
        });
        try {
          for (let i = 1; i <= 5; i++) await store().append(id, [counted(i)], { expectedVersion: 'any' });
          await waitUntil(() => seen.length >= 5);
        } finally {
          await subscription.stop();
        }
        expect(errors).toEqual([]);
        expect(seen.map((e) => e.streamPosition)).toEqual([1, 2, 3, 4, 5]);
        expect(largestBatch).toBeLessThanOrEqual(2);

        await store().append(id, [counted(6)], { expectedVersion: 5 });
        await sleep(300);
        expect(seen).toHaveLength(5);
      });

      it('stops and reports the error when onBatch throws', async () => {
        const after = await mark('throws');
        const failure = new Error('projection failed');
        let reported: unknown;
        let calls = 0;
        const subscription: Subscription = store().subscribe({
          after,
          onBatch: async () => {
            calls++;
            throw failure;
          },
          onError: (error) => {
            reported = error;
          },
        });
        try {
          await store().append(stream('throws'), [counted(1)], { expectedVersion: 'no_stream' });
          await waitUntil(() => reported !== undefined);
          await store().append(stream('throws'), [counted(2)], { expectedVersion: 1 });
          await sleep(200);
        } finally {
          await subscription.stop();
        }
        expect(reported).toBe(failure);
        expect(calls).toBe(1);
      });
    });

    describe('reservations', () => {
      const email = (label: string) => ({ scope: 'email', value: `${label}-${run}@example.com` });

      it('holds a value for one stream: another stream fails with ConflictError and writes nothing', async () => {
        const value = email('held');
        const [one, two] = [stream('account1'), stream('account2')];
        await store().append(one, [counted(1)], { expectedVersion: 'no_stream', reserve: [value] });
        const clash = store().append(two, [counted(1)], { expectedVersion: 'no_stream', reserve: [value] });
        await expect(clash).rejects.toBeInstanceOf(ConflictError);
        await expect(clash).rejects.not.toBeInstanceOf(ConcurrencyError);
        await expect(clash).rejects.toMatchObject({
          code: 'CONFLICT',
          details: { reason: 'reserved', scope: 'email' },
        });
        expect(await store().streamVersion(two)).toBe(0);
        // The holder may claim it again.
        await store().append(one, [counted(2)], { expectedVersion: 1, reserve: [value] });
        expect(await store().streamVersion(one)).toBe(2);
      });

      it('lets another stream claim a value once its holder released it', async () => {
        const value = email('released');
        const [one, two] = [stream('account3'), stream('account4')];
        await store().append(one, [counted(1)], { expectedVersion: 'no_stream', reserve: [value] });
        await store().append(one, [counted(2)], { expectedVersion: 1, release: [value] });
        await store().append(two, [counted(1)], { expectedVersion: 'no_stream', reserve: [value] });
        expect(await store().streamVersion(two)).toBe(1);
        // Released and claimed again, by the first holder this time.
        await store().append(two, [counted(2)], { expectedVersion: 1, release: [value] });
        await store().append(one, [counted(3)], { expectedVersion: 2, reserve: [value] });
        await expect(
          store().append(two, [counted(3)], { expectedVersion: 2, reserve: [value] }),
        ).rejects.toMatchObject({ details: { reason: 'reserved' } });
      });

      it('does not claim the value when the append itself fails', async () => {
        const value = email('failed');
        const [one, two] = [stream('account5'), stream('account6')];
        await store().append(one, [counted(1)], { expectedVersion: 'no_stream' });
        await expect(
          store().append(one, [counted(2)], { expectedVersion: 'no_stream', reserve: [value] }),
        ).rejects.toBeInstanceOf(ConcurrencyError);
        await store().append(two, [counted(1)], { expectedVersion: 'no_stream', reserve: [value] });
        expect(await store().streamVersion(two)).toBe(1);
      });

      it('does not release the value when the append itself fails', async () => {
        const value = email('kept');
        const [one, two] = [stream('account7'), stream('account8')];
        await store().append(one, [counted(1)], { expectedVersion: 'no_stream', reserve: [value] });
        await expect(
          store().append(one, [counted(2)], { expectedVersion: 5, release: [value] }),
        ).rejects.toBeInstanceOf(ConcurrencyError);
        await expect(
          store().append(two, [counted(1)], { expectedVersion: 'no_stream', reserve: [value] }),
        ).rejects.toMatchObject({ details: { reason: 'reserved' } });
      });
    });
  });
}

const counted = (n: number) => ({ type: 'Counted', data: { n } });

/**
 * Reads the log after a position, again and again, until `count` events match: readAll may lag
 * behind appends (Postgres hides events until older transactions end) but never skips one.
 */
async function readUntil(
  store: EventStore,
  after: LogPosition,
  matches: (event: RecordedEvent) => boolean,
  count: number,
): Promise<RecordedEvent[]> {
  let found: RecordedEvent[] = [];
  await waitUntilAsync(async () => {
    found = (await readAllAfter(store, after, 100)).filter(matches);
    return found.length >= count;
  });
  return found;
}

async function readAllAfter(store: EventStore, after: LogPosition, batch: number): Promise<RecordedEvent[]> {
  const out: RecordedEvent[] = [];
  let position = after;
  for (;;) {
    const events = await store.readAll({ after: position, maxCount: batch });
    if (events.length === 0) return out;
    out.push(...events);
    position = positionOf(events.at(-1)!);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const waitUntil = (condition: () => boolean, timeoutMs?: number) =>
  waitUntilAsync(async () => condition(), timeoutMs);

async function waitUntilAsync(condition: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(50);
  }
}
