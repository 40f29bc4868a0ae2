import type { RecordedEvent } from '../store/types.js';

/** A read-model row as JSON: column name → value, exactly as `to_jsonb(row)` returns it. */
export type ReadModelDocument = Record<string, unknown>;

/**
 * A projection keeps one read-model table up to date. It is pure: `evolve` takes the row the
 * event is about (or null when there is none) and returns the whole new row (or null to delete
 * it). The kernel loads and writes rows in batches, in the same transaction as the checkpoint.
 * `table` is the table's name in `<service>_rm` as migrated from prisma/schema.prisma.
 */
export interface Projection<Doc extends ReadModelDocument = ReadModelDocument> {
  name: string;
  table: string;
  /** Primary-key column (default `id`). */
  key?: string;
  canHandle: readonly string[];
  /** Which row an event is about; null skips the event. */
  documentId(event: RecordedEvent): string | null;
  evolve(document: Doc | null, event: RecordedEvent): Doc | null;
}

/** Identity function that checks a projection's shape at compile time. */
export const defineProjection = <Doc extends ReadModelDocument>(
  projection: Projection<Doc>,
): Projection<Doc> => projection;

export const handles = (projection: Projection, event: RecordedEvent): boolean =>
  projection.canHandle.includes(event.type);
