import { isSpanContextValid, trace } from '@opentelemetry/api';
import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import pretty from 'pino-pretty';
import { currentMessageContext } from '../context/messageContext.js';
import { parseTraceparent } from '../telemetry/traceContext.js';
import { REDACTED, redactPaths } from './redaction.js';

export type { Logger } from 'pino';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface CreateLoggerOptions {
  readonly service: string;
  readonly level?: LogLevel | string;
  /** Human-readable output (pino-pretty); use in development only, JSON everywhere else. */
  readonly pretty?: boolean;
  /** Where lines go; stdout by default. Tests pass a stream to read the lines back. */
  readonly destination?: DestinationStream;
}

/** A pino logger that stamps every line with the message context ids and the active trace. */
export function createLogger(options: CreateLoggerOptions): Logger {
  const config: LoggerOptions = {
    level: options.level ?? 'info',
    base: { service: options.service },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: redactPaths(), censor: REDACTED },
    mixin: correlationFields,
    formatters: { level: (label) => ({ level: label }) },
    serializers: { err: serializeError },
  };
  return pino(config, options.destination ?? defaultDestination(options.pretty === true));
}

// pino-pretty as a stream (not a worker transport) keeps development logs in order with stdout;
// one line per entry (an HTTP request, a handled message), its fields inline.
function defaultDestination(usePretty: boolean): DestinationStream {
  return usePretty
    ? pretty({ colorize: true, singleLine: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' })
    : pino.destination({ dest: 1, sync: false });
}

// `code` is redacted (one-time codes), yet error codes (ECONNREFUSED, pg 23505) are what an operator
// needs: keep them under a name the redaction does not match.
function serializeError(error: Error): Record<string, unknown> {
  const { code, ...serialized } = pino.stdSerializers.err(error) as Record<string, unknown>;
  return code === undefined ? serialized : { ...serialized, errorCode: code };
}

/** Fields merged into every line: requestId/correlationId of the handled message, traceId/spanId. */
export function correlationFields(): Record<string, string> {
  const fields: Record<string, string> = {};
  const meta = currentMessageContext();
  if (meta) {
    fields.requestId = meta.requestId;
    fields.correlationId = meta.correlationId;
  }
  // Without an SDK there is no active span, but the incoming traceparent still names the trace.
  const spanContext = trace.getActiveSpan()?.spanContext() ?? parseTraceparent(meta?.traceparent);
  if (spanContext && isSpanContextValid(spanContext)) {
    fields.traceId = spanContext.traceId;
    fields.spanId = spanContext.spanId;
  }
  return fields;
}
