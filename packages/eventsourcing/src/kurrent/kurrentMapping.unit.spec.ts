import { type AllStreamResolvedEvent, ANY, ErrorType, NO_STREAM, START } from '@kurrent/kurrentdb-client';
import { ConcurrencyError } from '@ledgerline/contracts';
import { describe, expect, it } from 'vitest';
import {
  INTERNAL_STREAM_PREFIX,
  isStreamNotFound,
  isWrongExpectedVersion,
  prepareEvent,
  readMetadata,
  revisionOfVersion,
  toConcurrencyError,
  toEventData,
  toReadPosition,
  toRecordedEvent,
  toStreamState,
  versionOfRevision,
  versionOfStreamState,
} from './kurrentMapping.js';

const resolved = (overrides: Record<string, unknown> = {}): AllStreamResolvedEvent => ({
  event: {
    streamId: 'account-1',
    id: '01900000-0000-7000-8000-000000000001',
    isJson: true,
    revision: 2n,
    type: 'EmailVerified',
    created: new Date('2025-01-02T03:04:05.000Z'),
    data: { userId: 'u-1' },
    metadata: { schemaVersion: 2, meta: { requestId: 'r-1' } },
    position: { commit: 4242n, prepare: 4242n },
    ...overrides,
  } as NonNullable<AllStreamResolvedEvent['event']>,
  commitPosition: 4242n,
});

describe('revisions and versions', () => {
  it('maps 0-based revisions to 1-based versions and back', () => {
    expect(versionOfRevision(0n)).toBe(1);
    expect(versionOfRevision(41n)).toBe(42);
    expect(revisionOfVersion(1)).toBe(0n);
    expect(revisionOfVersion(42)).toBe(41n);
  });

  it('maps a reported stream state to a version, no_stream to 0', () => {
    expect(versionOfStreamState(NO_STREAM)).toBe(0);
    expect(versionOfStreamState(4n)).toBe(5);
    expect(versionOfStreamState(ANY)).toBeUndefined();
  });
});

describe('toStreamState', () => {
  it("maps 'no_stream' and 0 to NO_STREAM, 'any' to ANY, a version to its revision", () => {
    expect(toStreamState('no_stream')).toBe(NO_STREAM);
    expect(toStreamState(0)).toBe(NO_STREAM);
    expect(toStreamState('any')).toBe(ANY);
    expect(toStreamState(1)).toBe(0n);
    expect(toStreamState(7)).toBe(6n);
  });

  it('rejects negative and fractional versions', () => {
    expect(() => toStreamState(-1)).toThrow(RangeError);
    expect(() => toStreamState(1.5)).toThrow(RangeError);
  });
});

describe('new events', () => {
  it('settles id, schema version and meta, event meta winning over append meta', () => {
    const prepared = prepareEvent(
      { type: 'Renamed', data: { name: 'x' }, meta: { requestId: 'r-2' } },
      () => 'generated-id',
      { requestId: 'r-1', correlationId: 'c-1' },
    );
    expect(prepared).toEqual({
      id: 'generated-id',
      type: 'Renamed',
      data: { name: 'x' },
      schemaVersion: 1,
      meta: { requestId: 'r-2', correlationId: 'c-1' },
    });
    expect(
      prepareEvent({ id: 'mine', type: 'T', data: undefined, schemaVersion: 3 }, () => 'x', undefined),
    ).toMatchObject({ id: 'mine', data: null, schemaVersion: 3, meta: {} });
  });

  it('writes a JSON event with schema version, meta and KurrentDB correlation keys in its metadata', () => {
    const data = toEventData({
      id: 'e-1',
      type: 'Renamed',
      data: { name: 'x' },
      schemaVersion: 2,
      meta: { correlationId: 'c-1', causationId: 'k-1' },
    });
    expect(data).toEqual({
      id: 'e-1',
      contentType: 'application/json',
      type: 'Renamed',
      data: { name: 'x' },
      metadata: {
        schemaVersion: 2,
        meta: { correlationId: 'c-1', causationId: 'k-1' },
        $correlationId: 'c-1',
        $causationId: 'k-1',
      },
    });
  });
});

describe('toRecordedEvent', () => {
  it('maps a KurrentDB event to the envelope: version from revision, commit position as global position', () => {
    expect(toRecordedEvent(resolved())).toEqual({
      id: '01900000-0000-7000-8000-000000000001',
      type: 'EmailVerified',
      schemaVersion: 2,
      streamId: 'account-1',
      streamPosition: 3,
      globalPosition: 4242,
      transactionId: 0,
      occurredAt: '2025-01-02T03:04:05.000Z',
      data: { userId: 'u-1' },
      meta: { requestId: 'r-1' },
    });
  });

  it('round-trips what toEventData wrote', () => {
    const written = toEventData({
      id: 'e',
      type: 'T',
      data: [1, 2],
      schemaVersion: 4,
      meta: { requestId: 'r' },
    });
    const read = toRecordedEvent(
      resolved({ id: 'e', type: 'T', data: written.data, metadata: written.metadata }),
    );
    expect(read).toMatchObject({
      id: 'e',
      type: 'T',
      data: [1, 2],
      schemaVersion: 4,
      meta: { requestId: 'r' },
    });
  });

  it('hides system streams, system event types, internal streams and unresolved links', () => {
    expect(toRecordedEvent(resolved({ streamId: '$stats-127.0.0.1:2113' }))).toBeUndefined();
    expect(toRecordedEvent(resolved({ streamId: '$$account-1', type: '$metadata' }))).toBeUndefined();
    expect(toRecordedEvent(resolved({ type: '$streamDeleted' }))).toBeUndefined();
    expect(
      toRecordedEvent(resolved({ streamId: `${INTERNAL_STREAM_PREFIX}reservation-abc` })),
    ).toBeUndefined();
    expect(toRecordedEvent({ commitPosition: 1n })).toBeUndefined();
  });

  it('gives position 0 when the server reports none (stream reads on old servers)', () => {
    const unknown = { commit: 2n ** 64n - 1n, prepare: 2n ** 64n - 1n };
    const event = resolved({ position: unknown });
    expect(toRecordedEvent({ event: event.event })?.globalPosition).toBe(0);
  });

  it('reads metadata written by other tools as schema version 1 without meta', () => {
    expect(readMetadata(undefined)).toEqual({ schemaVersion: 1, meta: {} });
    expect(readMetadata(new Uint8Array([1]))).toEqual({ schemaVersion: 1, meta: {} });
    expect(readMetadata({ schemaVersion: 'x', meta: 'y' })).toEqual({ schemaVersion: 1, meta: {} });
  });
});

describe('positions', () => {
  it('reads $all from the start, or from the commit position of a port position', () => {
    expect(toReadPosition(undefined)).toBe(START);
    expect(toReadPosition({ transactionId: 0, globalPosition: 0 })).toBe(START);
    expect(toReadPosition({ transactionId: 0, globalPosition: 99 })).toEqual({ commit: 99n, prepare: 99n });
  });
});

describe('errors', () => {
  it('recognises client errors by type and maps a wrong expected version to ConcurrencyError', () => {
    const wrong = { type: ErrorType.WRONG_EXPECTED_VERSION, actualState: 1n };
    expect(isWrongExpectedVersion(wrong)).toBe(true);
    expect(isWrongExpectedVersion(new Error('x'))).toBe(false);
    expect(isStreamNotFound({ type: ErrorType.STREAM_NOT_FOUND })).toBe(true);

    const error = toConcurrencyError('account-1', 5, 1n);
    expect(error).toBeInstanceOf(ConcurrencyError);
    expect(error.details).toEqual({
      streamId: 'account-1',
      expectedVersion: 5,
      actualVersion: 2,
      reason: 'concurrency',
    });
    expect(toConcurrencyError('account-1', 0, NO_STREAM).details).toMatchObject({
      expectedVersion: 'no_stream',
      actualVersion: 0,
    });
    expect(toConcurrencyError('a', 'any', undefined).details).not.toHaveProperty('actualVersion');
  });
});
