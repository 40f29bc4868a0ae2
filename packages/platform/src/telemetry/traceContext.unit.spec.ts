import { context, trace } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { contextFromTraceHeaders, parseTraceparent, traceHeadersFrom } from './traceContext.js';

const TRACEPARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

describe('W3C trace context', () => {
  it('parses a valid traceparent into a remote span context', () => {
    expect(parseTraceparent(TRACEPARENT, 'vendor=1')).toMatchObject({
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      traceFlags: 1,
      isRemote: true,
    });
  });

  it.each([
    undefined,
    'garbage',
    'ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    '00-00000000000000000000000000000000-b7ad6b7169203331-01',
    '00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01',
    `${TRACEPARENT}-extra`,
  ])('rejects %s', (value) => {
    expect(parseTraceparent(value)).toBeUndefined();
  });

  it('round-trips through a context without an SDK', () => {
    const ctx = contextFromTraceHeaders({ traceparent: TRACEPARENT, tracestate: 'a=b' }, context.active());
    expect(trace.getSpanContext(ctx)?.traceId).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(traceHeadersFrom(ctx)).toEqual({ traceparent: TRACEPARENT, tracestate: 'a=b' });
    expect(traceHeadersFrom(context.active())).toEqual({});
  });
});
