import 'reflect-metadata';
import { bootstrapTelemetry } from '../telemetry/bootstrap.js';
import type { AnyServiceDefinition } from './types.js';

/**
 * A service's `main.ts`: `await runService('notifier', () => import('./service.js'))`. Tracing starts
 * first and the service graph is imported after it, so pg and http load instrumented; a bad
 * environment prints every problem and exits 1; SIGTERM/SIGINT shut down in order and exit.
 */
export async function runService(
  name: string,
  load: () => Promise<{ default: AnyServiceDefinition }>,
): Promise<void> {
  const telemetry = bootstrapTelemetry(name);
  const { ConfigError } = await import('../config/configError.js');
  try {
    const [{ startService }, { default: definition }] = await Promise.all([
      import('./startService.js'),
      load(),
    ]);
    await startService(definition, { telemetry });
  } catch (error) {
    // A bad environment lists every problem; anything else is a start-up failure worth its stack.
    console.error(error instanceof ConfigError ? error.message : error);
    await telemetry.shutdown().catch(() => undefined);
    process.exit(1);
  }
}
