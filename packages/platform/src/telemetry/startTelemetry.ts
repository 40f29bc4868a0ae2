import { context, propagation, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { NodeSDK, type NodeSDKConfiguration } from '@opentelemetry/sdk-node';

/** A span exporter as the NodeSDK takes it (tests pass an in-memory one). */
export type SpanExporter = NodeSDKConfiguration['traceExporter'];

export interface TelemetryOptions {
  readonly serviceName: string;
  readonly enabled: boolean;
  /** OTLP/HTTP base URL, e.g. http://collector:4318; `/v1/traces` is appended. */
  readonly otlpEndpoint?: string | undefined;
  /** Replaces the OTLP exporter; for tests and local debugging. */
  readonly traceExporter?: SpanExporter;
}

export interface Telemetry {
  readonly enabled: boolean;
  /** Flushes pending spans and unregisters the SDK. Safe to call twice. */
  shutdown(): Promise<void>;
}

/**
 * Starts the OpenTelemetry NodeSDK (traces only: http + pg instrumentation, OTLP/HTTP export).
 * Call it before anything imports `pg` or `http` so the instrumentations can patch them.
 */
export function startTelemetry(options: TelemetryOptions): Telemetry {
  if (!options.enabled) return { enabled: false, shutdown: async () => {} };
  const sdk = new NodeSDK({
    serviceName: options.serviceName,
    traceExporter: options.traceExporter ?? otlpExporter(options.otlpEndpoint),
    instrumentations: [
      // Health probes would drown the traces that matter.
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (req) => /^\/(healthz|readyz)/.test(req.url ?? ''),
      }),
      // SQL outside any span is a worker's idle poll or a standby lock probe: without a parent it
      // would be a one-span trace of its own, several per second per idle process.
      new PgInstrumentation({ requireParentSpan: true }),
    ],
    // Traces only: metrics and logs go elsewhere (pino), so do not start their env-driven exporters.
    metricReaders: [],
    logRecordProcessors: [],
  });
  sdk.start();
  let stopped: Promise<void> | undefined;
  return {
    enabled: true,
    shutdown: () => {
      // NodeSDK.shutdown flushes but leaves its globals registered; drop them so a later start works.
      stopped ??= sdk.shutdown().finally(() => {
        trace.disable();
        context.disable();
        propagation.disable();
      });
      return stopped;
    },
  };
}

function otlpExporter(endpoint: string | undefined): SpanExporter {
  if (!endpoint) return new OTLPTraceExporter();
  return new OTLPTraceExporter({ url: `${endpoint.replace(/\/+$/, '')}/v1/traces` });
}
