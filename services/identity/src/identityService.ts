import { migrateService } from '@ledgerline/eventsourcing';
import { createLogger, createService, type Logger, type ServiceHandle } from '@ledgerline/platform';
import { type IdentityConfig, loadIdentityConfig } from './config.js';
import { IdentityModule } from './identityModule.js';
import { createInfrastructure, type IdentityInfrastructure } from './infrastructure/infrastructure.js';
import { migrationsDir } from './infrastructure/paths.js';
import { type Publishing, startPublishing } from './infrastructure/publishing.js';
import { asyncProjections, inlineProjections } from './projections.js';

export interface StartIdentityOptions {
  /** Environment to parse (default process.env); tests pass a unique IDENTITY_SCHEMA_SERVICE. */
  env?: Record<string, string | undefined>;
  logger?: Logger;
  /** Install SIGTERM/SIGINT handlers (default true; tests pass false). */
  handleSignals?: boolean;
  /** Flushed last on shutdown (main.ts starts it before anything else loads). */
  telemetry?: { shutdown(): Promise<void> };
}

export interface IdentityService {
  readonly handle: ServiceHandle;
  readonly infra: IdentityInfrastructure;
  readonly publishing: Publishing;
  readonly config: IdentityConfig;
  close(): Promise<void>;
}

/**
 * Boots identity: config, infrastructure, migrations (outside production, where the Helm job runs
 * them), the NATS microservice, then the relay and async projectors. Shutdown runs in reverse.
 */
export async function startIdentity(options: StartIdentityOptions = {}): Promise<IdentityService> {
  const config = loadIdentityConfig(options.env);
  const logger =
    options.logger ??
    createLogger({ service: 'identity', level: config.LOG_LEVEL, pretty: config.NODE_ENV === 'development' });
  const infra = createInfrastructure(config, { projections: inlineProjections, logger });
  let publishing: Publishing | undefined;
  let handle: ServiceHandle | undefined;
  try {
    if (config.NODE_ENV !== 'production') await migrateService(infra.pool, infra.service, migrationsDir());
    handle = await createService({
      name: 'identity',
      module: IdentityModule.forRoot(infra),
      config,
      logger,
      pool: infra.pool,
      healthChecks: { redis: () => infra.redis.ping() },
      // Newest first: publishing stops before the infrastructure it reads from closes.
      onShutdown: [
        { name: 'telemetry', close: () => options.telemetry?.shutdown() },
        { name: 'infrastructure', close: () => infra.close() },
        { name: 'publishing', close: () => publishing?.stop() },
      ],
      handleSignals: options.handleSignals,
    });
    publishing = await startPublishing(infra, handle.nats, asyncProjections, logger);
    const started = handle;
    return { handle: started, infra, publishing, config, close: () => started.close() };
  } catch (error) {
    // handle.close() runs the closers above; before createService returned, close by hand.
    if (handle) await handle.close();
    else await infra.close();
    throw error;
  }
}
