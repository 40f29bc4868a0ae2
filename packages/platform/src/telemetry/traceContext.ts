import {
  type Context,
  context,
  createTraceState,
  isSpanContextValid,
  type SpanContext,
  TraceFlags,
  trace,
} from '@opentelemetry/api';

/** The W3C Trace Context headers carried by every Ledgerline message. */
export interface TraceHeaders {
  traceparent?: string;
  tracestate?: string;
}

// W3C Trace Context level 1 (https://www.w3.org/TR/trace-context/). Kept here rather than relying on the
// SDK's global propagator so trace ids still cross NATS when telemetry is disabled in one process.
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/** The traceparent/tracestate of the span active in `ctx`, or {} when there is none. */
export function traceHeadersFrom(ctx: Context = context.active()): TraceHeaders {
  const spanContext = trace.getSpanContext(ctx);
  if (!spanContext || !isSpanContextValid(spanContext)) return {};
  const flags = (spanContext.traceFlags & TraceFlags.SAMPLED).toString(16).padStart(2, '0');
  const headers: TraceHeaders = { traceparent: `00-${spanContext.traceId}-${spanContext.spanId}-${flags}` };
  const state = spanContext.traceState?.serialize();
  if (state) headers.tracestate = state;
  return headers;
}

/** Parses a traceparent header into a remote span context; undefined when absent or malformed. */
export function parseTraceparent(traceparent?: string, tracestate?: string): SpanContext | undefined {
  const match = traceparent ? TRACEPARENT.exec(traceparent.trim()) : null;
  if (!match) return undefined;
  const [, version, traceId = '', spanId = '', flags = '00', rest] = match;
  // Version ff is forbidden; version 00 must not carry trailing fields.
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  const spanContext: SpanContext = {
    traceId,
    spanId,
    traceFlags: Number.parseInt(flags, 16) & TraceFlags.SAMPLED,
    isRemote: true,
  };
  if (tracestate) spanContext.traceState = createTraceState(tracestate);
  return isSpanContextValid(spanContext) ? spanContext : undefined;
}

/** `ctx` with the remote parent described by `headers`, or `ctx` unchanged when they carry none. */
export function contextFromTraceHeaders(headers: TraceHeaders, ctx: Context = context.active()): Context {
  const remote = parseTraceparent(headers.traceparent, headers.tracestate);
  return remote ? trace.setSpanContext(ctx, remote) : ctx;
}
