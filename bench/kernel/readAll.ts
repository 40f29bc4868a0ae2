import { PostgresEventStore, positionOf, START } from '@ledgerline/eventsourcing';
import Cursor from 'pg-cursor';
import type { BenchService } from './context.js';
import { perSecond } from './stats.js';

export interface ReadRun {
  events: number;
  eventsPerSecond: number;
}

/** Raw baseline: one pg-cursor over the same rows and columns, in log order. */
export async function rawRead(service: BenchService, batch: number): Promise<ReadRun> {
  const client = await service.pool.connect();
  try {
    const started = performance.now();
    const cursor = client.query(
      new Cursor(
        `SELECT global_position, transaction_id, stream_id, stream_version, event_id, event_type,
                schema_version, data, metadata, recorded_at
         FROM "${service.eventStore}"."events" ORDER BY transaction_id, global_position`,
      ),
    );
    let events = 0;
    for (;;) {
      const rows = await cursor.read(batch);
      if (rows.length === 0) break;
      events += rows.length;
    }
    await cursor.close();
    return { events, eventsPerSecond: perSecond(events, performance.now() - started) };
  } finally {
    client.release();
  }
}

/** Kernel: `store.readAll({ after, maxCount })` page after page until a short page. */
export async function kernelRead(service: BenchService, batch: number): Promise<ReadRun> {
  const store = new PostgresEventStore({ pool: service.pool, service: service.name });
  try {
    const started = performance.now();
    let after = START;
    let events = 0;
    for (;;) {
      const page = await store.readAll({ after, maxCount: batch });
      events += page.length;
      if (page.length < batch) break;
      after = positionOf(page.at(-1)!);
    }
    return { events, eventsPerSecond: perSecond(events, performance.now() - started) };
  } finally {
    await store.close();
  }
}
