import { randomUUID } from 'node:crypto';
import { PostgresEventStore } from '@ledgerline/eventsourcing';
import type pg from 'pg';
import { type BenchService, newPool } from './context.js';
import { eventData, eventTypeOf, uuidv7 } from './payload.js';
import { percentile, perSecond } from './stats.js';

export interface AppendRun {
  eventsPerSecond: number;
  p99Ms: number;
}

type AppendOne = (writer: number, version: number) => Promise<void>;

/** `writers` loops, each on its own stream, appending one event at a time until the deadline. */
async function timedLoop(writers: number, durationMs: number, appendOne: AppendOne): Promise<AppendRun> {
  const latencies: number[] = [];
  let events = 0;
  const started = performance.now();
  const deadline = started + durationMs;
  await Promise.all(
    Array.from({ length: writers }, async (_, writer) => {
      let version = 0;
      while (performance.now() < deadline) {
        const t0 = performance.now();
        await appendOne(writer, version);
        latencies.push(performance.now() - t0);
        version += 1;
        events += 1;
      }
    }),
  );
  const elapsed = performance.now() - started;
  return { eventsPerSecond: perSecond(events, elapsed), p99Ms: percentile(latencies, 99) };
}

/** Opens every connection of the pool before timing starts. */
async function warm(pool: pg.Pool, size: number): Promise<void> {
  const clients = await Promise.all(Array.from({ length: size }, () => pool.connect()));
  for (const client of clients) client.release();
}

export interface AppendBench {
  kernel(writers: number, durationMs: number): Promise<AppendRun>;
  raw(writers: number, durationMs: number): Promise<AppendRun>;
  close(): Promise<void>;
}

/**
 * Kernel: `store.append(stream, [event], { expectedVersion: n })`. Raw: a single-row INSERT
 * from `pg` into `raw_events`, a copy of the events table (columns, identity, defaults,
 * constraints, indexes; no notify trigger).
 */
export async function appendBench(service: BenchService, maxWriters: number): Promise<AppendBench> {
  const rawTable = `"${service.eventStore}"."raw_events"`;
  await service.pool.query(`CREATE TABLE ${rawTable} (LIKE "${service.eventStore}"."events" INCLUDING ALL)`);
  const kernelPool = newPool(maxWriters);
  const rawPool = newPool(maxWriters);
  await Promise.all([warm(kernelPool, maxWriters), warm(rawPool, maxWriters)]);
  const store = new PostgresEventStore({ pool: kernelPool, service: service.name });
  let seq = 0;

  const kernelAppend =
    (streams: string[]): AppendOne =>
    async (writer, version) => {
      const i = seq++;
      await store.append(streams[writer]!, [{ type: eventTypeOf(i), data: eventData(i) }], {
        expectedVersion: version,
      });
    };
  const rawAppend =
    (streams: string[]): AppendOne =>
    async (writer, version) => {
      const i = seq++;
      const streamId = streams[writer]!;
      await rawPool.query(
        `INSERT INTO ${rawTable} (stream_id, stream_type, stream_version, event_id, event_type, data, metadata)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [streamId, 'account', version + 1, uuidv7(), eventTypeOf(i), JSON.stringify(eventData(i)), '{}'],
      );
    };
  const freshStreams = (writers: number) => Array.from({ length: writers }, () => `account-${randomUUID()}`);

  // A short untimed pass on each side so plans, prepared statements and caches are warm.
  await timedLoop(maxWriters, 300, kernelAppend(freshStreams(maxWriters)));
  await timedLoop(maxWriters, 300, rawAppend(freshStreams(maxWriters)));

  return {
    kernel: (writers, durationMs) => timedLoop(writers, durationMs, kernelAppend(freshStreams(writers))),
    raw: (writers, durationMs) => timedLoop(writers, durationMs, rawAppend(freshStreams(writers))),
    async close() {
      await store.close();
      await Promise.all([kernelPool.end(), rawPool.end()]);
    },
  };
}
