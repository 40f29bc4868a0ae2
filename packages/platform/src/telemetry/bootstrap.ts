import { register } from 'node:module';
import { z } from 'zod';
import { envBoolean } from '../config/loadConfig.js';
import { startTelemetry, type Telemetry } from './startTelemetry.js';

// The telemetry part of the process config, parsed on its own: it must run before the rest of the
// service (and its `pg`/`http` imports) loads, so the instrumentations can patch those modules.
const telemetryConfigSchema = z.object({
  OTEL_ENABLED: envBoolean().default(false),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url().optional(),
});

/**
 * Starts tracing for a process entry point, then lets it import the service: registers the ESM
 * loader hook the instrumentations need (import-in-the-middle) and starts the SDK when
 * OTEL_ENABLED is true. Import this module, call it, and only then `await import()` the service.
 */
export function bootstrapTelemetry(serviceName: string, env: NodeJS.ProcessEnv = process.env): Telemetry {
  const config = telemetryConfigSchema.parse({
    OTEL_ENABLED: env.OTEL_ENABLED || undefined,
    OTEL_EXPORTER_OTLP_ENDPOINT: env.OTEL_EXPORTER_OTLP_ENDPOINT || undefined,
  });
  if (!config.OTEL_ENABLED) return startTelemetry({ serviceName, enabled: false });
  // Only the modules the instrumentations patch: wrapping every module (the workspace's TypeScript
  // sources included) cost start-up time and printed a warning per `export *` it could not wrap.
  register('@opentelemetry/instrumentation/hook.mjs', import.meta.url, {
    data: { include: ['pg', 'pg-pool', 'http', 'https', 'node:http', 'node:https'] },
  });
  return startTelemetry({ serviceName, enabled: true, otlpEndpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT });
}

export type { Telemetry } from './startTelemetry.js';
