import { HEADER, type MessageMeta, ValidationError } from '@ledgerline/contracts';
import { headers as natsHeaders } from '@nats-io/transport-node';
import { describe, expect, it } from 'vitest';
import { metaFromNatsHeaders, metaToNatsHeaders, natsHeadersToRecord } from './headers.js';

const meta: MessageMeta = {
  requestId: 'req-1',
  correlationId: 'corr-1',
  causationId: 'cause-1',
  actor: { type: 'user', id: 'u1', roles: ['admin'], tier: 'pro' },
  traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
  idempotencyKey: 'idem-1',
};

describe('NATS header helpers', () => {
  it('round-trips message metadata through NATS headers', () => {
    const h = metaToNatsHeaders(meta);
    expect(h.get(HEADER.requestId)).toBe('req-1');
    expect(JSON.parse(h.get(HEADER.actor))).toEqual(meta.actor);
    expect(metaFromNatsHeaders(h)).toEqual(meta);
  });

  it('keeps the incoming traceparent when no span is active and adds extra headers', () => {
    const h = metaToNatsHeaders(meta, { [HEADER.natsMsgId]: 'evt-1' });
    expect(h.get('traceparent')).toBe(meta.traceparent);
    expect(natsHeadersToRecord(h)[HEADER.natsMsgId]).toBe('evt-1');
  });

  it('rejects missing or malformed metadata with a ValidationError', () => {
    expect(() => metaFromNatsHeaders(undefined)).toThrow(ValidationError);
    const h = natsHeaders();
    h.set(HEADER.requestId, 'req-1');
    h.set(HEADER.actor, '{not json');
    expect(() => metaFromNatsHeaders(h)).toThrow(ValidationError);
  });

  it('refuses to encode metadata that could not be parsed back', () => {
    expect(() => metaToNatsHeaders({ ...meta, requestId: 'has space' })).toThrow(ValidationError);
  });
});
