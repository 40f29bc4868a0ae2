import type { BenchService } from './context.js';

export interface SeedOptions {
  events: number;
  streams: number;
  /** Events per INSERT … SELECT statement (each its own transaction, so its own xid). */
  chunk?: number;
}

/**
 * Fills `<service>_es.events` straight from SQL: event g belongs to stream g % streams, at
 * version g / streams + 1, so streams interleave in the log as they would in production. Data is
 * a ~300-byte JSON body like the append bench's; metadata carries correlation and actor ids.
 */
export async function seedEvents(service: BenchService, options: SeedOptions): Promise<number> {
  const { events, streams } = options;
  const chunk = options.chunk ?? 100_000;
  const table = `"${service.eventStore}"."events"`;
  const started = performance.now();
  for (let from = 0; from < events; from += chunk) {
    const to = Math.min(events, from + chunk) - 1;
    await service.pool.query(
      `INSERT INTO ${table} (stream_id, stream_type, stream_version, event_id, event_type, data, metadata)
       SELECT 'account-' || s.uuid, 'account', g / $3 + 1, gen_random_uuid(),
              (ARRAY['Deposited', 'Withdrawn', 'Renamed'])[g % 3 + 1],
              jsonb_build_object(
                'accountId', s.uuid, 'amount', g % 997 + 1, 'currency', 'EUR',
                'customer', 'cus_Q2w3E4r5T6y7U8', 'reference', 'INV-' || lpad(g::text, 10, '0'),
                'description', 'monthly subscription renewal for the standard plan, billed in advance',
                'tags', jsonb_build_array('billing', 'renewal', 'standard'),
                'at', '2026-11-23T00:00:00.000Z'),
              jsonb_build_object('correlationId', s.uuid, 'actor', 'user-' || (g % 500))
       FROM generate_series($1::int, $2::int) AS g,
            LATERAL (SELECT md5('bench-stream-' || (g % $3))::uuid::text AS uuid) AS s
       ORDER BY g`,
      [from, to, streams],
    );
  }
  await service.pool.query(`VACUUM (ANALYZE) ${table}`);
  return performance.now() - started;
}
