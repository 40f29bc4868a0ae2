import { healthQuery } from '@ledgerline/contracts';
import type { INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import pg from 'pg';
import type { Logger } from 'pino';
import type { BaseConfig } from '../config/loadConfig.js';
import { createLogger } from '../logging/createLogger.js';
import { PinoNestLogger } from '../logging/nestLogger.js';
import type { NatsConnection } from '../nats/connection.js';
import { type Closer, ShutdownRegistry, shutdownAll } from '../shutdown.js';
import { handleMessage, setHandlerLogger } from './handleMessage.js';
import { type HealthProbe, natsProbe, postgresProbe, runHealthChecks } from './health.js';
import { type HealthServer, startHealthServer } from './healthServer.js';
import { LedgerlineNatsServer } from './natsServer.js';
import { ReplyExceptionFilter } from './replyExceptionFilter.js';

type EntryModule = Parameters<typeof NestFactory.createMicroservice>[0];

export interface CreateServiceOptions {
  /** Service name: queue group, connection name, `<name>.qry.Health` and the logger's `service`. */
  readonly name: string;
  readonly module: EntryModule;
  readonly config: BaseConfig;
  readonly logger?: Logger;
  /** A pool to health-check; createService creates (and closes) one from DATABASE_URL otherwise. */
  readonly pool?: pg.Pool;
  /** Extra readiness checks next to `nats` and `postgres`. */
  readonly healthChecks?: Readonly<Record<string, HealthProbe>>;
  /** Closers run after the transport stopped, newest first (after those registered with onShutdown()). */
  readonly onShutdown?: readonly { name: string; close: Closer }[];
  /** Install SIGTERM/SIGINT handlers that close and exit (default true; tests pass false). */
  readonly handleSignals?: boolean;
}

export interface ServiceHandle {
  readonly app: INestMicroservice;
  readonly nats: NatsConnection;
  readonly pool: pg.Pool;
  readonly logger: Logger;
  /** Port of the /healthz + /readyz server when HEALTH_PORT is set. */
  readonly healthPort: number | undefined;
  /** Graceful stop without exiting: stop intake, finish in-flight work, run closers, close pools. */
  close(): Promise<void>;
}

/** Boots a NestJS microservice on NATS with health, logging and graceful shutdown wired in. */
export async function createService(options: CreateServiceOptions): Promise<ServiceHandle> {
  const { name, config } = options;
  const logger = options.logger ?? defaultLogger(name, config);
  setHandlerLogger(logger);
  const ownsPool = options.pool === undefined;
  const pool = options.pool ?? createPool(config.DATABASE_URL, logger);
  const server = new LedgerlineNatsServer({
    servers: config.NATS_URL.split(',').map((s) => s.trim()),
    name,
    logger,
    drainTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
  });
  const app = await NestFactory.createMicroservice(options.module, {
    strategy: server,
    logger: new PinoNestLogger(logger),
  });
  app.useGlobalFilters(new ReplyExceptionFilter(logger));
  const probes = {
    nats: natsProbe(() => server.connection),
    postgres: postgresProbe(pool),
    ...options.healthChecks,
  };
  const readiness = () => runHealthChecks(name, probes);
  const health = healthQuery(name);
  server.addHandler(health.subject, (payload: unknown) =>
    handleMessage(health, payload ?? {}, async () => {
      const { ready: _ready, ...reply } = await readiness();
      return reply;
    }),
  );
  await app.listen();
  // SUBs are buffered; a round trip guarantees the server has them before callers are told we
  // are up (otherwise the first request can see "no responders").
  await server.connection.flush();

  let shuttingDown = false;
  const healthServer =
    config.HEALTH_PORT === undefined
      ? undefined
      : await startHealthServer({ port: config.HEALTH_PORT, readiness, shuttingDown: () => shuttingDown });
  const closers = new ShutdownRegistry();
  for (const closer of options.onShutdown ?? []) closers.onShutdown(closer.name, closer.close);

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    shuttingDown = true;
    closing ??= stop({ app, closers, pool: ownsPool ? pool : undefined, healthServer, logger, config });
    return closing;
  };
  if (options.handleSignals !== false) installSignalHandlers(close, logger);
  logger.info(
    { subjects: [...server.getHandlers().keys()], healthPort: healthServer?.port },
    `${name} started`,
  );
  return { app, nats: server.connection, pool, logger, healthPort: healthServer?.port, close };
}

interface StopParts {
  app: INestMicroservice;
  closers: ShutdownRegistry;
  pool: pg.Pool | undefined;
  healthServer: HealthServer | undefined;
  logger: Logger;
  config: BaseConfig;
}

// Order matters: stop intake and finish in-flight handlers (app.close drains the NATS subscriptions,
// then runs Nest's destroy/shutdown hooks), then the closers, then the pool the closers may still use.
async function stop(parts: StopParts): Promise<void> {
  const { logger, config } = parts;
  const started = Date.now();
  logger.info('shutting down');
  await parts.app.close().catch((err: unknown) => logger.error({ err }, 'closing the microservice failed'));
  const remaining = Math.max(0, config.SHUTDOWN_TIMEOUT_MS - (Date.now() - started));
  const results = [...(await parts.closers.shutdownAll(remaining)), ...(await shutdownAll(remaining))];
  for (const r of results.filter((result) => !result.ok))
    logger.error({ err: r.error }, `closer ${r.name} failed`);
  await parts.pool?.end().catch((err: unknown) => logger.error({ err }, 'closing the pg pool failed'));
  await parts.healthServer?.close();
  logger.info({ ms: Date.now() - started }, 'shut down');
}

// Nest's enableShutdownHooks is not used: its signal path runs onModuleDestroy before it closes the
// transport and re-raises the signal before our closers finish. app.close() runs the same hooks.
function installSignalHandlers(close: () => Promise<void>, logger: Logger): void {
  const onSignal = (signal: NodeJS.Signals) => {
    logger.info({ signal }, 'signal received');
    close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.fatal({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
}

function defaultLogger(name: string, config: BaseConfig): Logger {
  return createLogger({ service: name, level: config.LOG_LEVEL, pretty: config.NODE_ENV === 'development' });
}

function createPool(connectionString: string, logger: Logger): pg.Pool {
  const pool = new pg.Pool({ connectionString, max: 10, connectionTimeoutMillis: 5_000 });
  // An idle client losing its connection emits 'error' on the pool; unhandled, it would crash the process.
  pool.on('error', (err) => logger.warn({ err }, 'idle postgres client error'));
  return pool;
}
