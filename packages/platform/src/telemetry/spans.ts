import { HEADER } from '@ledgerline/contracts';
import type { MsgHdrs } from '@nats-io/transport-node';
import {
  type Attributes,
  type Context,
  context,
  createContextKey,
  INVALID_SPAN_CONTEXT,
  ProxyTracerProvider,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import { contextFromTraceHeaders, type TraceHeaders } from './traceContext.js';

const BASE = { 'messaging.system': 'nats' };
const tracer = () => trace.getTracer('@ledgerline/platform');

// With telemetry off (no SDK registered a provider) every span is a no-op and the context manager
// ignores `context.with`, yet each message still paid for the span, its attribute object, a new
// context (a Map copy) and the traceparent parse: ~1-2% of CPU per process. Skip all of it then.
const NOOP_PROVIDER = new ProxyTracerProvider().getDelegate();
const NOOP_SPAN = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);
function tracingOff(): boolean {
  const provider = trace.getTracerProvider();
  // Another copy of the API may have registered the provider: then assume tracing is on.
  return provider instanceof ProxyTracerProvider && provider.getDelegate() === NOOP_PROVIDER;
}

/** Anything that holds message headers: NATS headers or a plain record. */
export type HeaderCarrier = MsgHdrs | Readonly<Record<string, string | undefined>> | undefined;

/** Reads traceparent/tracestate from NATS headers or a plain record. */
export function traceHeadersOf(headers: HeaderCarrier): TraceHeaders {
  if (!headers) return {};
  const read = (name: string): string | undefined =>
    isMsgHdrs(headers) ? headers.get(name) || undefined : headers[name];
  const result: TraceHeaders = {};
  const traceparent = read(HEADER.traceparent);
  const tracestate = read(HEADER.tracestate);
  if (traceparent) result.traceparent = traceparent;
  if (tracestate) result.tracestate = tracestate;
  return result;
}

/**
 * Runs `fn` in a CONSUMER span whose parent is the trace carried by `headers`, so the handler's
 * spans (SQL, outgoing messages) join the sender's trace.
 */
export function withConsumerSpan<T>(
  name: string,
  headers: HeaderCarrier,
  fn: (span: Span) => Promise<T> | T,
  attributes: Attributes = {},
): Promise<T> {
  if (tracingOff()) return runUntraced(fn);
  const parent = contextFromTraceHeaders(traceHeadersOf(headers), context.active());
  return runInSpan(name, SpanKind.CONSUMER, attributes, fn, parent);
}

/**
 * Starts a CONSUMER span under the trace carried by `headers` and returns it with the context to run
 * the handler in; the caller ends the span (for handlers whose end is signalled by a callback).
 */
export function startConsumerSpan(
  name: string,
  headers: HeaderCarrier,
  attributes: Attributes = {},
  kind: SpanKind = SpanKind.CONSUMER,
): { span: Span; context: Context } {
  if (tracingOff()) return { span: NOOP_SPAN, context: context.active() };
  const parent = contextFromTraceHeaders(traceHeadersOf(headers), context.active());
  const span = tracer().startSpan(name, { kind, attributes: { ...BASE, ...attributes } }, parent);
  return { span, context: trace.setSpan(parent, span) };
}

/**
 * Runs `fn` in a CLIENT span: an outgoing request that waits for its answer (a NATS request, an SMTP
 * conversation). Headers built inside `fn` (metaToNatsHeaders) carry this span.
 */
export function withClientSpan<T>(
  name: string,
  fn: (span: Span) => Promise<T> | T,
  attributes: Attributes = {},
): Promise<T> {
  if (tracingOff()) return runUntraced(fn);
  return runInSpan(name, SpanKind.CLIENT, attributes, fn, context.active(), {});
}

/** Runs `fn` in an INTERNAL span under the active one (a worker's batch, a saga step). */
export function withSpan<T>(
  name: string,
  fn: (span: Span) => Promise<T> | T,
  attributes: Attributes = {},
): Promise<T> {
  if (tracingOff()) return runUntraced(fn);
  return runInSpan(name, SpanKind.INTERNAL, attributes, fn, context.active(), {});
}

/** Runs `fn` in a PRODUCER span; headers built inside `fn` (metaToNatsHeaders) carry this span. */
export function withProducerSpan<T>(
  name: string,
  fn: (span: Span) => Promise<T> | T,
  attributes: Attributes = {},
): Promise<T> {
  if (tracingOff()) return runUntraced(fn);
  return runInSpan(name, SpanKind.PRODUCER, attributes, fn, context.active());
}

/**
 * Runs `fn` with tracing suppressed: nothing it does (SQL, HTTP) starts a span. For idle polling,
 * which would otherwise export a trace per poll. Same key as @opentelemetry/core's suppressTracing.
 */
export function withTracingSuppressed<T>(fn: () => T): T {
  if (tracingOff()) return fn();
  return context.with(context.active().setValue(SUPPRESS_TRACING, true), fn);
}

const SUPPRESS_TRACING = createContextKey('OpenTelemetry SDK Context Key SUPPRESS_TRACING');

async function runUntraced<T>(fn: (span: Span) => Promise<T> | T): Promise<T> {
  return fn(NOOP_SPAN);
}

async function runInSpan<T>(
  name: string,
  kind: SpanKind,
  attributes: Attributes,
  fn: (span: Span) => Promise<T> | T,
  parent: Context,
  base: Attributes = BASE,
): Promise<T> {
  const span = tracer().startSpan(name, { kind, attributes: { ...base, ...attributes } }, parent);
  try {
    return await context.with(trace.setSpan(parent, span), () => fn(span));
  } catch (error) {
    span.recordException(error instanceof Error ? error : String(error));
    span.setStatus({
      code: SpanStatusCode.ERROR,
      message: error instanceof Error ? error.message : undefined,
    });
    throw error;
  } finally {
    span.end();
  }
}

function isMsgHdrs(value: object): value is MsgHdrs {
  return typeof (value as MsgHdrs).get === 'function' && typeof (value as MsgHdrs).keys === 'function';
}

/**
 * Names the active HTTP server span after its route template (`GET /me/sessions/:id`) and sets
 * `http.route`, as the HTTP semantic conventions ask: the instrumentation alone only knows `GET`.
 */
export function nameHttpServerSpan(method: string, route: string | undefined): void {
  if (!route || tracingOff()) return;
  const span = trace.getActiveSpan();
  if (!span) return;
  span.setAttribute('http.route', route);
  span.updateName(`${method} ${route}`);
}
