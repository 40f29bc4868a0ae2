import 'reflect-metadata';
import { bootstrapTelemetry } from '@ledgerline/platform/telemetry';

// Tracing starts first and the service is imported after it, so pg and http load instrumented.
const telemetry = bootstrapTelemetry('notifier');
const { ConfigError } = await import('@ledgerline/platform');
const { startNotifier } = await import('./app.js');
const { loadNotifierConfig } = await import('./config.js');

try {
  await startNotifier(loadNotifierConfig(), { telemetry });
} catch (error) {
  // A bad environment lists every problem; anything else is a start-up failure worth its stack.
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
}
