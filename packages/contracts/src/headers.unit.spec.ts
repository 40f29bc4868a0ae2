import { describe, expect, it } from 'vitest';
import { ValidationError } from './errors.js';
import {
  HEADER,
  type MessageMeta,
  metaCausedBy,
  metaFromHeaderRecord,
  metaToHeaderRecord,
} from './headers.js';

const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

const meta: MessageMeta = {
  requestId: 'req-1',
  correlationId: 'corr-1',
  causationId: 'req-1',
  actor: { type: 'user', id: 'u-1', roles: ['admin'], tier: 'pro' },
  traceparent: TRACEPARENT,
  tracestate: 'vendor=abc',
  idempotencyKey: 'idem-1',
};

const validHeaders = (): Record<string, string> => metaToHeaderRecord(meta);

describe('metaToHeaderRecord', () => {
  it('writes every field under its header name, actor as JSON', () => {
    const record = validHeaders();
    expect(record).toEqual({
      'll-request-id': 'req-1',
      'll-correlation-id': 'corr-1',
      'll-causation-id': 'req-1',
      'll-actor': JSON.stringify(meta.actor),
      traceparent: TRACEPARENT,
      tracestate: 'vendor=abc',
      'll-idempotency-key': 'idem-1',
    });
  });

  it('omits optional headers that are absent', () => {
    const record = metaToHeaderRecord({
      requestId: 'r',
      correlationId: 'c',
      causationId: 'r',
      actor: { type: 'system' },
    });
    expect(Object.keys(record).sort()).toEqual([
      HEADER.actor,
      HEADER.causationId,
      HEADER.correlationId,
      HEADER.requestId,
    ]);
  });

  it('refuses metadata that would produce a broken header', () => {
    expect(() => metaToHeaderRecord({ ...meta, requestId: 'a\r\nX-Evil: 1' })).toThrow(ValidationError);
  });
});

describe('metaFromHeaderRecord', () => {
  it('round-trips through the header record', () => {
    expect(metaFromHeaderRecord(validHeaders())).toEqual(meta);
  });

  it('ignores header name case and unrelated headers', () => {
    const upper = Object.fromEntries(Object.entries(validHeaders()).map(([k, v]) => [k.toUpperCase(), v]));
    expect(metaFromHeaderRecord({ ...upper, [HEADER.natsMsgId]: 'x', other: 'y' })).toEqual(meta);
  });

  it('returns no keys for absent optional headers', () => {
    const { traceparent: _t, tracestate: _s, 'll-idempotency-key': _i, ...record } = validHeaders();
    const parsed = metaFromHeaderRecord(record);
    expect(Object.keys(parsed).sort()).toEqual(['actor', 'causationId', 'correlationId', 'requestId']);
  });

  it.each([
    ['missing request id', { [HEADER.requestId]: undefined }],
    ['empty correlation id', { [HEADER.correlationId]: '' }],
    ['actor that is not JSON', { [HEADER.actor]: '{type:user' }],
    ['actor of unknown type', { [HEADER.actor]: '{"type":"robot"}' }],
    ['missing actor', { [HEADER.actor]: undefined }],
    ['traceparent with wrong length', { [HEADER.traceparent]: '00-abc-def-01' }],
    ['traceparent with upper case', { [HEADER.traceparent]: TRACEPARENT.toUpperCase() }],
    ['traceparent with zero trace id', { [HEADER.traceparent]: `00-${'0'.repeat(32)}-00f067aa0ba902b7-01` }],
    [
      'traceparent with zero parent id',
      { [HEADER.traceparent]: `00-4bf92f3577b34da6a3ce929d0e0e4736-${'0'.repeat(16)}-01` },
    ],
    ['traceparent version ff', { [HEADER.traceparent]: TRACEPARENT.replace(/^00/, 'ff') }],
    ['idempotency key with spaces', { [HEADER.idempotencyKey]: 'a b' }],
  ])('throws ValidationError for %s', (_, patch) => {
    expect(() => metaFromHeaderRecord({ ...validHeaders(), ...patch })).toThrow(ValidationError);
  });

  it('names the failing field in the error details', () => {
    try {
      metaFromHeaderRecord({ ...validHeaders(), [HEADER.traceparent]: 'nope' });
      expect.unreachable('should have thrown');
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).details).toMatchObject({ issues: [{ path: 'traceparent' }] });
    }
  });
});

describe('metaCausedBy', () => {
  it('keeps correlation, actor and trace, and points causation at the triggering message', () => {
    const child = metaCausedBy(meta, { messageId: 'evt-9', requestId: 'req-2' });
    expect(child).toEqual({
      requestId: 'req-2',
      correlationId: 'corr-1',
      causationId: 'evt-9',
      actor: meta.actor,
      traceparent: TRACEPARENT,
      tracestate: 'vendor=abc',
    });
    expect(child).not.toHaveProperty('idempotencyKey');
  });
});
