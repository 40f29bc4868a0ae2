import {
  type Attributes,
  type Context,
  context,
  createContextKey,
  createTraceState,
  INVALID_SPAN_CONTEXT,
  isSpanContextValid,
  type Link,
  ProxyTracerProvider,
  ROOT_CONTEXT,
  type Span,
  type SpanContext,
  SpanKind,
  SpanStatusCode,
  TraceFlags,
  trace,
} from '@opentelemetry/api';

// The kernel's spans: what its workers do (relay, async projections, reactors, consumers, sagas)
// joins the trace of the request that appended the event. @opentelemetry/api only: without an SDK
// every call here is a no-op, and the kernel stays free of the platform package.

const NOOP_SPAN = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);
const tracer = () => trace.getTracer('@ledgerline/eventsourcing');

// Same key as @opentelemetry/core's suppressTracing (createContextKey is Symbol.for(description)).
const SUPPRESS_TRACING = createContextKey('OpenTelemetry SDK Context Key SUPPRESS_TRACING');

/** W3C trace context as stored in event metadata and carried in message headers. */
export interface TraceFields {
  traceparent?: string;
  tracestate?: string;
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** The traceparent/tracestate of the span active now, or {} when there is none (tracing off). */
export function activeTraceFields(ctx: Context = context.active()): TraceFields {
  const span = trace.getSpanContext(ctx);
  if (!span || !isSpanContextValid(span)) return {};
  const flags = (span.traceFlags & TraceFlags.SAMPLED).toString(16).padStart(2, '0');
  const fields: TraceFields = { traceparent: `00-${span.traceId}-${span.spanId}-${flags}` };
  const state = span.traceState?.serialize();
  if (state) fields.tracestate = state;
  return fields;
}

/**
 * Metadata for an append: the active span's trace context replaces whatever trace the meta carried
 * (the gateway's), so an event's `traceparent` names the handler that appended it.
 */
export function stampTrace<M extends object>(meta: M): M {
  const active = activeTraceFields();
  return active.traceparent ? { ...meta, ...active } : meta;
}

/** The remote span context named by stored metadata or headers, or undefined. */
export function spanContextOf(fields: TraceFields | undefined): SpanContext | undefined {
  const match = fields?.traceparent ? TRACEPARENT.exec(fields.traceparent) : null;
  if (!match) return undefined;
  const spanContext: SpanContext = {
    traceId: match[1]!,
    spanId: match[2]!,
    traceFlags: Number.parseInt(match[3]!, 16) & TraceFlags.SAMPLED,
    isRemote: true,
  };
  if (fields?.tracestate) {
    try {
      spanContext.traceState = createTraceState(fields.tracestate);
    } catch {
      // a malformed tracestate only loses the vendor state
    }
  }
  return isSpanContextValid(spanContext) ? spanContext : undefined;
}

/** Links to the traces of the given messages (deduplicated by span), for a span covering a batch. */
export function linksTo(items: ReadonlyArray<TraceFields | undefined>, max = 32): Link[] {
  const links: Link[] = [];
  const seen = new Set<string>();
  for (const item of items) {
    if (links.length >= max) break;
    const spanContext = spanContextOf(item);
    if (!spanContext || seen.has(spanContext.spanId)) continue;
    seen.add(spanContext.spanId);
    links.push({ context: spanContext });
  }
  return links;
}

export interface KernelSpanOptions {
  kind?: SpanKind;
  attributes?: Attributes;
  /** The parent: a message's trace context (a consumer, a relayed event). Default: the active span. */
  parent?: TraceFields | undefined;
  /** Other traces this work belongs to (a batch of events from many requests). */
  links?: Link[];
  /** When the work began, if before the span (the idle-suppressed read that found the batch). */
  startTime?: number;
}

// No SDK registered a provider: every span is a no-op, so skip building them (as the platform does).
const NOOP_PROVIDER = new ProxyTracerProvider().getDelegate();
function tracingOff(): boolean {
  const provider = trace.getTracerProvider();
  return provider instanceof ProxyTracerProvider && provider.getDelegate() === NOOP_PROVIDER;
}

/**
 * Runs `fn` in a span. With `parent`, the span is a child of that message's trace (even when a
 * span is active); without, of the active span. Errors mark the span and are rethrown.
 */
export async function inSpan<T>(
  name: string,
  options: KernelSpanOptions,
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  const span = startSpan(name, options);
  if (!span) return fn(NOOP_SPAN);
  const remote = spanContextOf(options.parent);
  const active = unsuppressed(context.active());
  const parent = remote ? trace.setSpanContext(active, remote) : active;
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

/**
 * Starts a span the caller ends (work whose end is a callback: a publish awaiting its ack), or
 * undefined when tracing is off. Same parenting as {@link inSpan}.
 */
export function startSpan(name: string, options: KernelSpanOptions): Span | undefined {
  if (tracingOff()) return undefined;
  const active = unsuppressed(context.active());
  const remote = spanContextOf(options.parent);
  const parent = remote ? trace.setSpanContext(active, remote) : active;
  return tracer().startSpan(
    name,
    {
      kind: options.kind ?? SpanKind.INTERNAL,
      attributes: options.attributes,
      links: options.links,
      startTime: options.startTime,
    },
    parent,
  );
}

/** Ends `span` after `work` settles, marking a failure. Returns `work` unchanged. */
export function endWith<T>(span: Span | undefined, work: Promise<T>): Promise<T> {
  if (!span) return work;
  work.then(
    () => span.end(),
    (error: unknown) => {
      span.recordException(error instanceof Error ? error : String(error));
      span.setStatus({
        code: SpanStatusCode.ERROR,
        message: error instanceof Error ? error.message : undefined,
      });
      span.end();
    },
  );
  return work;
}

/** The traceparent/tracestate naming `span` (to put in outgoing headers). */
export function traceFieldsOf(span: Span | undefined): TraceFields {
  return span ? activeTraceFields(trace.setSpan(context.active(), span)) : {};
}

/** Runs `fn` with tracing suppressed: its SQL starts no spans (idle polls export nothing). */
export function untraced<T>(fn: () => T): T {
  if (tracingOff()) return fn();
  return context.with(context.active().setValue(SUPPRESS_TRACING, true), fn);
}

/**
 * Runs `fn` outside any trace, with tracing suppressed: for work done on behalf of several
 * requests at once (a shared append transaction), which belongs to none of their traces.
 */
export function detachedFromTraces<T>(fn: () => T): T {
  if (tracingOff()) return fn();
  return context.with(ROOT_CONTEXT.setValue(SUPPRESS_TRACING, true), fn);
}

function unsuppressed(ctx: Context): Context {
  return ctx.getValue(SUPPRESS_TRACING) === true ? ctx.deleteValue(SUPPRESS_TRACING) : ctx;
}
