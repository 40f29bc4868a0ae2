import type { PoolClient } from 'pg';
import { HandlerError } from '../retry/backoff.js';
import type { RecordedEvent } from '../store/types.js';
import { handles, type Projection, type ReadModelDocument } from './projection.js';
import { loadDocuments, writeDocuments } from './tableWriter.js';

/** Rows a rebuild keeps in memory between batches so it does not read back what it wrote. */
export type DocumentCache = Map<string, ReadModelDocument | null>;

/**
 * Applies a batch of events to one projection's table in `schema`: loads the rows the batch is
 * about, folds each row's events in order with the pure evolve, and writes the results back in
 * two statements. Throws whatever evolve or the database throws; the caller owns the transaction.
 */
export async function projectBatch(
  client: PoolClient,
  schema: string,
  projection: Projection,
  events: readonly RecordedEvent[],
  cache?: DocumentCache,
): Promise<void> {
  const key = projection.key ?? 'id';
  const byDocument = new Map<string, RecordedEvent[]>();
  for (const event of events) {
    if (!handles(projection, event)) continue;
    const id = projection.documentId(event);
    if (id === null) continue;
    const list = byDocument.get(id);
    if (list) list.push(event);
    else byDocument.set(id, [event]);
  }
  if (byDocument.size === 0) return;

  const ids = [...byDocument.keys()];
  const missing = cache ? ids.filter((id) => !cache.has(id)) : ids;
  const loaded = await loadDocuments(client, schema, projection.table, key, missing);

  const upserts: ReadModelDocument[] = [];
  const deletes: string[] = [];
  for (const [id, documentEvents] of byDocument) {
    const before = cache?.has(id) ? cache.get(id)! : (loaded.get(id) ?? null);
    const after = documentEvents.reduce<ReadModelDocument | null>(
      (document, event) => evolveOrFail(projection, document, event),
      before,
    );
    cache?.set(id, after);
    if (after !== null) upserts.push(after);
    else if (before !== null) deletes.push(id);
  }
  await writeDocuments(client, schema, projection.table, key, upserts, deletes);
}

// A throw from evolve is the event's fault, not the database's: mark it so it is parked.
function evolveOrFail(projection: Projection, document: ReadModelDocument | null, event: RecordedEvent) {
  try {
    return projection.evolve(document, event);
  } catch (error) {
    throw new HandlerError(event.id, error);
  }
}
