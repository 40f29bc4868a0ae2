import {
  type NewEvent,
  type PostgresEventStore,
  quoteIdent,
  schemasOf,
  withTransaction,
} from '@ledgerline/eventsourcing';
import type { Pool, PoolClient } from 'pg';

/** What step 3 of a successful delivery writes: DeliverySent at the claim's version, and the inbox row. */
export interface SentRecord {
  streamId: string;
  events: NewEvent[];
  expectedVersion: number;
  /** The source message id, for the inbox. */
  messageId: string;
}

/** Records one sent e-mail; resolves once it is committed, rejects with its own error (a CONFLICT …). */
export type RecordSent = (record: SentRecord) => Promise<void>;

export interface SentRecorderOptions {
  pool: Pool;
  store: PostgresEventStore;
  service: string;
  consumer: string;
  /** Records per transaction at most (default 64). */
  maxBatch?: number;
  /** Transactions at once at most (default 4). */
  parallel?: number;
}

/**
 * Group commit for the "sent" records: while `parallel` record transactions are being written, the
 * sends that finish meanwhile go together into the next one (their appends and one inbox insert),
 * so under load a send costs a fraction of BEGIN/COMMIT instead of four round trips. Still one short
 * transaction each time, never open across SMTP. A failed batch is retried record by record, so
 * one record's conflict (its claim expired and another worker took over) fails that record only.
 */
export function sentRecorder(options: SentRecorderOptions): RecordSent {
  const maxBatch = options.maxBatch ?? 64;
  const parallel = options.parallel ?? 4;
  const inbox = `${quoteIdent(schemasOf(options.service).eventStore)}."inbox"`;
  type Pending = { record: SentRecord; resolve: () => void; reject: (error: unknown) => void };
  let queue: Pending[] = [];
  let active = 0;

  const write = async (client: PoolClient, records: SentRecord[]) => {
    await options.store.appendManyWith(
      client,
      records.map(({ streamId, events, expectedVersion }) => ({ streamId, events, expectedVersion })),
    );
    await client.query(
      `INSERT INTO ${inbox} (consumer, message_id) SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING`,
      [options.consumer, records.map((r) => r.messageId)],
    );
  };

  // One batch in one transaction; a failed batch is retried record by record.
  const writeBatch = async (batch: Pending[]) => {
    try {
      await withTransaction(options.pool, (client) =>
        write(
          client,
          batch.map((p) => p.record),
        ),
      );
      for (const pending of batch) pending.resolve();
    } catch (error) {
      if (batch.length === 1) return batch[0]!.reject(error);
      for (const pending of batch) {
        await withTransaction(options.pool, (client) => write(client, [pending.record])).then(
          pending.resolve,
          pending.reject,
        );
      }
    }
  };

  // Up to `parallel` transactions at once: a record starts its own while a connection is free and
  // joins the next batch only when all of them are busy, so batching never adds a wait.
  const pump = () => {
    while (active < parallel && queue.length > 0) {
      const batch = queue.slice(0, maxBatch);
      queue = queue.slice(batch.length);
      active++;
      void writeBatch(batch).finally(() => {
        active--;
        pump();
      });
    }
  };

  return (record) =>
    new Promise<void>((resolve, reject) => {
      queue.push({ record, resolve, reject });
      pump();
    });
}
