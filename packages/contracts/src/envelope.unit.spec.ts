import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { eventEnvelopeOf, eventEnvelopeSchema } from './envelope.js';

const envelope = {
  id: '01933b5e-7c1a-7d2b-9c3d-4e5f60718293',
  type: 'UserRegistered',
  schemaVersion: 1,
  streamId: 'account-01933b5e',
  streamPosition: 1,
  globalPosition: 42,
  occurredAt: '2025-01-02T03:04:05.678Z',
  data: { userId: 'u' },
  meta: { correlationId: 'c-1', actor: { type: 'system' } },
};

describe('eventEnvelopeSchema', () => {
  it('accepts a complete envelope with partial metadata', () => {
    expect(eventEnvelopeSchema.parse(envelope)).toEqual(envelope);
  });

  it('keeps metadata keys it does not know', () => {
    const parsed = eventEnvelopeSchema.parse({ ...envelope, meta: { tenantId: 't-1' } });
    expect(parsed.meta).toEqual({ tenantId: 't-1' });
  });

  it.each([
    ['non-uuid id', { id: 'evt-1' }],
    ['lower-case type', { type: 'userRegistered' }],
    ['schemaVersion 0', { schemaVersion: 0 }],
    ['fractional streamPosition', { streamPosition: 1.5 }],
    ['streamPosition 0', { streamPosition: 0 }],
    ['globalPosition 0', { globalPosition: 0 }],
    ['empty streamId', { streamId: '' }],
    ['date without time', { occurredAt: '2025-01-02' }],
    ['bad traceparent in meta', { meta: { traceparent: 'x' } }],
  ])('rejects %s', (_, patch) => {
    expect(eventEnvelopeSchema.safeParse({ ...envelope, ...patch }).success).toBe(false);
  });

  it('accepts an offset timestamp', () => {
    expect(
      eventEnvelopeSchema.safeParse({ ...envelope, occurredAt: '2025-01-02T03:04:05+02:00' }).success,
    ).toBe(true);
  });
});

describe('eventEnvelopeOf', () => {
  const typed = eventEnvelopeOf(z.object({ userId: z.string().min(3) }));

  it('parses data with the given schema', () => {
    expect(typed.parse({ ...envelope, data: { userId: 'u-12' } }).data.userId).toBe('u-12');
    expect(typed.safeParse(envelope).success).toBe(false);
  });
});
