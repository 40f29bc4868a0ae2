import {
  type AllStreamResolvedEvent,
  ANY,
  type AppendStreamState,
  type CurrentStreamState,
  ErrorType,
  type EventData,
  type JSONType,
  jsonEvent,
  NO_STREAM,
  type Position,
  type ReadPosition,
  type ResolvedEvent,
  START,
} from '@kurrent/kurrentdb-client';
import { ConcurrencyError, type MessageMeta } from '@ledgerline/contracts';
import type { ExpectedVersion, LogPosition, NewEvent, RecordedEvent } from '../store/types.js';

// Pure translation between the port and KurrentDB. KurrentDB numbers a stream from revision 0;
// the port numbers it from version 1 (version 0 = "no stream"). The $all log has one monotonic
// commit position per event (an append that is not an explicit TCP transaction writes each event
// with commit = prepare = its log position), so LogPosition is { transactionId: 0, globalPosition: commit }.

/** Streams the adapter writes for its own bookkeeping (reservations); hidden from readAll/subscribe. */
export const INTERNAL_STREAM_PREFIX = '__ledgerline-';

/** Port version (1-based, 0 = empty) of a KurrentDB revision (0-based). */
export const versionOfRevision = (revision: bigint): number => Number(revision) + 1;

/** KurrentDB revision of a port version ≥ 1. */
export const revisionOfVersion = (version: number): bigint => BigInt(version - 1);

/** The port's version for a stream state reported by KurrentDB (`no_stream` → 0). */
export const versionOfStreamState = (state: CurrentStreamState | AppendStreamState): number | undefined =>
  typeof state === 'bigint' ? versionOfRevision(state) : state === NO_STREAM ? 0 : undefined;

/** The expected stream state KurrentDB checks for a port expected version (0 means no stream, as in Postgres). */
export function toStreamState(expected: ExpectedVersion): AppendStreamState {
  if (expected === 'no_stream' || expected === 0) return NO_STREAM;
  if (expected === 'any') return ANY;
  if (!Number.isSafeInteger(expected) || expected < 0) {
    throw new RangeError(
      `expected version must be 'no_stream', 'any' or a non-negative integer, got ${expected}`,
    );
  }
  return revisionOfVersion(expected);
}

/** What is stored in a KurrentDB event's metadata: the envelope fields the port needs back. */
export interface StoredMetadata {
  schemaVersion: number;
  meta: Partial<MessageMeta>;
  /** KurrentDB's own correlation keys, so its system projections ($bc-…) can follow the chain. */
  $correlationId?: string;
  $causationId?: string;
}

/** An event ready to append: id and schema version settled, meta merged. */
export interface PreparedEvent {
  id: string;
  type: string;
  data: unknown;
  schemaVersion: number;
  meta: Partial<MessageMeta>;
}

/** Settles id, schema version and meta the way the Postgres adapter does (event meta wins). */
export const prepareEvent = (
  event: NewEvent,
  newId: () => string,
  defaultMeta: Partial<MessageMeta> | undefined,
): PreparedEvent => ({
  id: event.id ?? newId(),
  type: event.type,
  data: event.data ?? null,
  schemaVersion: event.schemaVersion ?? 1,
  meta: { ...defaultMeta, ...event.meta },
});

/** A prepared event as a KurrentDB JSON event. */
export function toEventData(event: PreparedEvent): EventData {
  const metadata: StoredMetadata = { schemaVersion: event.schemaVersion, meta: event.meta };
  if (event.meta.correlationId) metadata.$correlationId = event.meta.correlationId;
  if (event.meta.causationId) metadata.$causationId = event.meta.causationId;
  // JSON.stringify accepts any data the port accepts; the client's JSONType is narrower than needed.
  return jsonEvent({
    id: event.id,
    type: event.type,
    data: event.data as JSONType,
    metadata: { ...metadata },
  });
}

/** True for KurrentDB system streams/events (`$…`) and the adapter's internal streams. */
export const isHiddenStream = (streamId: string): boolean =>
  streamId.startsWith('$') || streamId.startsWith(INTERNAL_STREAM_PREFIX);

export const isHiddenEvent = (streamId: string, type: string): boolean =>
  isHiddenStream(streamId) || type.startsWith('$');

// A commit position the server uses for "unknown" (2^64 - 1), e.g. on stream reads of old servers.
const UNKNOWN_POSITION = 2n ** 64n - 1n;

/** The commit position of a resolved event, or undefined when the server did not report one. */
export function commitPositionOf(resolved: ResolvedEvent | AllStreamResolvedEvent): bigint | undefined {
  const commit = resolved.event?.position?.commit ?? resolved.commitPosition;
  return commit === undefined || commit === UNKNOWN_POSITION ? undefined : commit;
}

/**
 * Maps a KurrentDB event to the port's envelope; undefined for link events without a target and
 * for hidden (system or internal) events. A stream read on a server that reports no $all position
 * gets globalPosition 0.
 */
export function toRecordedEvent(resolved: ResolvedEvent | AllStreamResolvedEvent): RecordedEvent | undefined {
  const event = resolved.event;
  if (!event || isHiddenEvent(event.streamId, event.type)) return undefined;
  const stored = readMetadata(event.metadata);
  const commit = commitPositionOf(resolved);
  return {
    id: event.id,
    type: event.type,
    schemaVersion: stored.schemaVersion,
    streamId: event.streamId,
    streamPosition: versionOfRevision(event.revision),
    globalPosition: commit === undefined ? 0 : Number(commit),
    transactionId: 0,
    occurredAt: event.created.toISOString(),
    data: event.data,
    meta: stored.meta,
  };
}

/** Reads metadata this adapter wrote; events written by other tools get schema version 1 and no meta. */
export function readMetadata(metadata: unknown): Pick<StoredMetadata, 'schemaVersion' | 'meta'> {
  if (!isRecord(metadata)) return { schemaVersion: 1, meta: {} };
  const schemaVersion = Number.isSafeInteger(metadata.schemaVersion) ? (metadata.schemaVersion as number) : 1;
  const meta = isRecord(metadata.meta) ? (metadata.meta as Partial<MessageMeta>) : {};
  return { schemaVersion, meta };
}

/** Where a KurrentDB read of $all starts for a port position (exclusive bound checked by the caller). */
export const toReadPosition = (after: LogPosition | undefined): ReadPosition =>
  after && after.globalPosition > 0 ? toPosition(after.globalPosition) : START;

export const toPosition = (globalPosition: number): Position => ({
  commit: BigInt(globalPosition),
  prepare: BigInt(globalPosition),
});

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);

/** True for the client's WrongExpectedVersionError (matched by type: the class may be duplicated). */
export const isWrongExpectedVersion = (
  error: unknown,
): error is { type: ErrorType; actualState: CurrentStreamState } =>
  isRecord(error) && error.type === ErrorType.WRONG_EXPECTED_VERSION;

/** True for the client's StreamNotFoundError (reading a stream that was never written). */
export const isStreamNotFound = (error: unknown): boolean =>
  isRecord(error) && error.type === ErrorType.STREAM_NOT_FOUND;

/** The port's ConcurrencyError for a KurrentDB wrong-expected-version failure. */
export const toConcurrencyError = (
  streamId: string,
  expected: ExpectedVersion,
  actualState: CurrentStreamState | undefined,
): ConcurrencyError =>
  new ConcurrencyError({
    streamId,
    expectedVersion: expected === 0 ? 'no_stream' : expected,
    actualVersion: actualState === undefined ? undefined : versionOfStreamState(actualState),
  });
