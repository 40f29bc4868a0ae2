import type { PoolClient } from 'pg';
import { HandlerError } from '../retry/backoff.js';
import type { RecordedEvent } from '../store/types.js';
import { type AnyProjection, handles, type ReadModelDocument } from './projection.js';
import {
  loadDocuments,
  loadDocumentsOf,
  type TableLoad,
  type TableWrite,
  type WritePlan,
  type WrittenRow,
  type WrittenRows,
  writeDocuments,
  writeStatement,
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
  projection: AnyProjection,
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

/** Rows an append statement loaded for the inline projections (see `inlineLoads`). */
export interface PreloadedRows {
  loads: TableLoad[];
  maps: Map<string, ReadModelDocument>[];
}

// Each projection's share of a batch; undefined when projections share a table (done one by one).
function planWork(projections: readonly AnyProjection[], events: readonly RecordedEvent[]) {
  const work = projections
    .map((projection) => ({
      projection,
      key: projection.key ?? 'id',
      byDocument: eventsByDocument(projection, events),
    }))
    .filter((w) => w.byDocument.size > 0);
  const shared = new Set(work.map((w) => w.projection.table)).size < work.length;
  return shared ? undefined : work;
}

/** The rows inline projections will load for a batch: what an append statement can load for them. */
export function inlineLoads(
  projections: readonly AnyProjection[],
  events: readonly RecordedEvent[],
): TableLoad[] {
  return (planWork(projections, events) ?? []).map((w) => ({
    table: w.projection.table,
    key: w.key,
    ids: [...w.byDocument.keys()],
  }));
}

/**
 * Applies a batch of events to several projections with one load and one write statement in all
 * (instead of two per projection): inline projections run inside the append transaction, where
 * every round trip holds a pooled connection. With `preloaded` rows (loaded by the append
 * statement itself) the load costs nothing more. Projections sharing a table run one after another.
 * Answers the rows as stored (none in the shared-table fallback), for replies built from them.
 */
export async function projectBatches(
  client: PoolClient,
  schema: string,
  projections: readonly AnyProjection[],
  events: readonly RecordedEvent[],
  preloaded?: PreloadedRows,
): Promise<WrittenRows> {
  const plan = await planBatches(client, schema, projections, events, preloaded);
  if (!plan.statement) return plan.read([]);
  try {
    const { rows } = await client.query<WrittenRow>(plan.statement);
    return plan.read(rows);
  } catch (error) {
    plan.failed();
    throw error;
  }
}

/**
 * {@link projectBatches} up to its write statement, which it returns instead of running: the
 * append that owns the transaction sends it with COMMIT right behind (one round trip for both).
 */
export async function planBatches(
  client: PoolClient,
  schema: string,
  projections: readonly AnyProjection[],
  events: readonly RecordedEvent[],
  preloaded?: PreloadedRows,
  options: { returning?: boolean } = {},
): Promise<WritePlan> {
  const nothing: WritePlan = { read: () => new Map(), failed: () => undefined };
  const work = planWork(projections, events);
  if (work === undefined) {
    for (const projection of projections) await projectBatch(client, schema, projection, events);
    return nothing;
  }
  if (work.length === 0) return nothing;
  const loads = work.map((w) => ({ table: w.projection.table, key: w.key, ids: [...w.byDocument.keys()] }));
  const loaded = fromPreload(loads, preloaded) ?? (await loadDocumentsOf(client, schema, loads));
  const writes = work.map(
    (w, i): TableWrite => ({
      table: w.projection.table,
      key: w.key,
      ...evolveDocuments(w.projection, w.byDocument, loaded[i]!),
    }),
  );
  return writeStatement(client, schema, writes, { returning: options.returning ?? true });
}

// The preloaded rows, when the preload asked for every row this batch needs (else: load them).
function fromPreload(loads: TableLoad[], preloaded: PreloadedRows | undefined) {
  if (!preloaded) return undefined;
  const maps: Map<string, ReadModelDocument>[] = [];
  for (const load of loads) {
    const at = preloaded.loads.findIndex((p) => p.table === load.table && p.key === load.key);
    const asked = at === -1 ? undefined : new Set(preloaded.loads[at]!.ids);
    if (!asked || load.ids.some((id) => !asked.has(id))) return undefined;
    maps.push(preloaded.maps[at]!);
  }
  return maps;
}

// The batch's events this projection handles, grouped by the row they are about, in order.
function eventsByDocument(projection: AnyProjection, events: readonly RecordedEvent[]) {
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
  projection: AnyProjection,
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
function evolveOrFail(projection: AnyProjection, document: ReadModelDocument | null, event: RecordedEvent) {
  try {
    return projection.evolve(document, event);
  } catch (error) {
    throw new HandlerError(event.id, error);
  }
}
