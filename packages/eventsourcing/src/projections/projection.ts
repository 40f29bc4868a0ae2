import type { DomainEvent } from '../decider/decider.js';
import type { ProjectedRows, RecordedEvent } from '../store/types.js';

/** A read-model row as JSON: column name → value, as the table writer loads and stores it. */
export type ReadModelDocument = Record<string, unknown>;

/**
 * The recorded form of each member of an event union, so that a `switch (event.type)` narrows
 * `event.data` (distributes over the union).
 */
export type RecordedEventOf<E extends DomainEvent> =
  E extends DomainEvent<infer Type, infer Data> ? RecordedEvent<Type, Data> : never;

/**
 * A projection keeps one read-model table up to date. It is pure: `evolve` takes the row the
 * event is about (or null when there is none) and returns the whole new row (or null to delete
 * it). The kernel loads and writes rows in batches, in the same transaction as the checkpoint.
 *
 * `E` is the union of the events it handles (its `canHandle` is typed by it), `Doc` the table's
 * row as the Prisma client types it (`import type { User } from '../generated/prisma/client.js'`):
 * the kernel loads rows with timestamps as `Date`, bigints as `bigint` and bytes as `Buffer`, as
 * Prisma would, and writes them back through the batched table writer. `table` is the table's name
 * in `<service>_rm` as migrated from prisma/schema.prisma.
 *
 * `documentId` must depend on the event's type, data, id and stream only (not on its positions):
 * the kernel may ask it before the append numbers the event, to load the row in the same round trip.
 */
export interface Projection<E extends DomainEvent = DomainEvent, Doc extends object = ReadModelDocument> {
  name: string;
  table: string;
  /** Primary-key column (default `id`). */
  key?: string;
  canHandle: readonly E['type'][];
  /** Which row an event is about; null skips the event. */
  documentId(event: RecordedEventOf<E>): string | null;
  evolve(document: Doc | null, event: RecordedEventOf<E>): Doc | null;
}

/**
 * Any projection, whatever its event union and row type: what the kernel's runners, the manifest
 * and the rebuild take. A typed `Projection<E, Doc>` is assignable to it without a cast.
 */
// biome-ignore lint/suspicious/noExplicitAny: erases E and Doc for collections of projections; each one is checked where it is defined.
export type AnyProjection = Projection<any, any>;

/**
 * Checks a projection against its event union and row type at compile time:
 * `defineProjection<UsersEvent, User>({ name, table: 'users', canHandle: [...], documentId, evolve })`.
 */
export const defineProjection = <E extends DomainEvent = DomainEvent, Doc extends object = ReadModelDocument>(
  projection: Projection<E, Doc>,
): Projection<E, Doc> => projection;

export const handles = (projection: { canHandle: readonly string[] }, event: { type: string }): boolean =>
  projection.canHandle.includes(event.type);

/**
 * The row an append's inline projection stored for `id`, typed as the projection's row: the
 * write side replies from its own write without naming tables. `null`: the append deleted the
 * row; `undefined`: the append did not touch it (read it through Prisma then).
 */
export function projectedRow<Doc extends object>(
  result: { projected?: ProjectedRows },
  // biome-ignore lint/suspicious/noExplicitAny: any event union; only the row type matters here.
  projection: Projection<any, Doc>,
  id: string,
): Doc | null | undefined {
  return result.projected?.get(projection.table)?.get(id) as Doc | null | undefined;
}
