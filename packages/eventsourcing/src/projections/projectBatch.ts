import type { PoolClient } from 'pg';
import { HandlerError } from '../retry/backoff.js';
import type { RecordedEvent } from '../store/types.js';
import { handles, type Projection, type ReadModelDocument } from './projection.js';
import {
  loadDocuments,
  loadDocumentsOf,
  type TableWrite,
  type WrittenRows,
  writeDocuments,
  writeDocumentsOf,
} from './tableWriter.js';

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
  const byDocument = eventsByDocument(projection, events);
  if (byDocument.size === 0) return;

  const ids = [...byDocument.keys()];
  const missing = cache ? ids.filter((id) => !cache.has(id)) : ids;
  const loaded = await loadDocuments(client, schema, projection.table, key, missing);
  const { upserts, deletes } = evolveDocuments(projection, byDocument, loaded, cache);
  await writeDocuments(client, schema, projection.table, key, upserts, deletes);
}

/**
 * Applies a batch of events to several projections with one load and one write statement in all
 * (instead of two per projection): inline projections run inside the append transaction, where
 * every round trip holds a pooled connection. Projections sharing a table run one after another.
 * Answers the rows as stored (none in the shared-table fallback), for replies built from them.
 */
export async function projectBatches(
  client: PoolClient,
  schema: string,
  projections: readonly Projection[],
  events: readonly RecordedEvent[],
): Promise<WrittenRows> {
  const work = projections
    .map((projection) => ({
      projection,
      key: projection.key ?? 'id',
      byDocument: eventsByDocument(projection, events),
    }))
    .filter((w) => w.byDocument.size > 0);
  if (work.length === 0) return new Map();
  if (new Set(work.map((w) => w.projection.table)).size < work.length) {
    for (const { projection } of work) await projectBatch(client, schema, projection, events);
    return new Map();
  }
  const loaded = await loadDocumentsOf(
    client,
    schema,
    work.map((w) => ({ table: w.projection.table, key: w.key, ids: [...w.byDocument.keys()] })),
  );
  const writes = work.map(
    (w, i): TableWrite => ({
      table: w.projection.table,
      key: w.key,
      ...evolveDocuments(w.projection, w.byDocument, loaded[i]!),
    }),
  );
  return writeDocumentsOf(client, schema, writes, { returning: true });
}

// The batch's events this projection handles, grouped by the row they are about, in order.
function eventsByDocument(projection: Projection, events: readonly RecordedEvent[]) {
  const byDocument = new Map<string, RecordedEvent[]>();
  for (const event of events) {
    if (!handles(projection, event)) continue;
    const id = projection.documentId(event);
    if (id === null) continue;
    const list = byDocument.get(id);
    if (list) list.push(event);
    else byDocument.set(id, [event]);
  }
  return byDocument;
}

// Folds each row's events over the row as loaded (or as cached); returns what to write.
function evolveDocuments(
  projection: Projection,
  byDocument: Map<string, RecordedEvent[]>,
  loaded: Map<string, ReadModelDocument>,
  cache?: DocumentCache,
) {
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
  return { upserts, deletes };
}

// A throw from evolve is the event's fault, not the database's: mark it so it is parked.
function evolveOrFail(projection: Projection, document: ReadModelDocument | null, event: RecordedEvent) {
  try {
    return projection.evolve(document, event);
  } catch (error) {
    throw new HandlerError(event.id, error);
  }
}
