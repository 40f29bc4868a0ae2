import { registry } from '@ledgerline/contracts';
import {
  guardPool,
  inlineProjections,
  migrateService,
  PostgresEventStore,
  schemasOf,
} from '@ledgerline/eventsourcing';
import pg from 'pg';
import type { Logger } from 'pino';
import { createLogger } from '../logging/createLogger.js';
import { closeNats, connectNats } from '../nats/connection.js';
import { ensureStreams } from '../nats/streams.js';
import { ShutdownRegistry, shutdownAll } from '../shutdown.js';
import { loadServiceConfig, migratesOnStart, schemaOf } from './serviceConfig.js';
import { startTransport, type Transport } from './transport.js';
import type {
  AnyServiceDefinition,
  ContextOf,
  Feature,
  RunningService,
  ServiceContext,
  StartServiceOptions,
} from './types.js';
import { buildWorkers, type RuntimeWorker } from './workers.js';

/**
 * Starts a service from its definition: config (one schema), pool, migrations (one policy), event
 * store with inline projections, read models, resources, the NATS microservice with every
 * handler, then every background worker. Returns a handle whose `close()` stops it in order.
 */
export async function startService<D extends AnyServiceDefinition>(
  definition: D,
  options: StartServiceOptions = {},
): Promise<RunningService<ContextOf<D>>> {
  const config = loadServiceConfig(definition, options.env ?? process.env);
  const name: string = definition.name;
  const schema = schemaOf(name, config);
  const logger = options.logger ?? defaultLogger(name, config);
  const features: readonly Feature[] = definition.features;
  // Closers of what is built so far, newest first: a failed start releases everything it took.
  const closers = new ShutdownRegistry();
  const pool = createPool(config, logger, features);
  closers.onShutdown('postgres', () => pool.end());
  try {
    if (options.migrate ?? migratesOnStart(config)) {
      await migrateService(pool, schema, definition.readModelMigrationsDir);
    }
    const inline = features.flatMap((f) => f.projections?.inline ?? []);
    const store = new PostgresEventStore({
      pool,
      service: schema,
      appendHooks: inline.length > 0 ? [inlineProjections(schema, inline)] : [],
      appendConcurrency: config.APPEND_CONCURRENCY,
    });
    closers.onShutdown('event store', () => store.close());
    const readModels = definition.readModels?.client?.(pool, schemasOf(schema).readModel);
    if (hasDisconnect(readModels)) closers.onShutdown('read models', () => readModels.$disconnect());
    const { resources, probes } = await createResources(
      definition,
      { service: name, schema, config, logger, pool },
      closers,
    );
    const nats = await connectNats({
      servers: natsServers(config.NATS_URL),
      name: `${name}-workers`,
      logger,
    });
    closers.onShutdown('nats (workers)', () => closeNats(nats));
    const ctx: ServiceContext = {
      service: name,
      schema,
      config,
      logger,
      pool,
      store,
      readModels,
      resources,
      nats,
    };
    const withDeps = features.map((feature) => ({ feature, deps: feature.deps ? feature.deps(ctx) : ctx }));
    const workers = buildWorkers(ctx, withDeps, publicEventsOf(definition));
    if (workers.length > 0) {
      await ensureStreams(nats, {
        replicas: config.JETSTREAM_REPLICAS,
        maxAgeSeconds: config.JETSTREAM_MAX_AGE_SECONDS,
        maxBytes: config.JETSTREAM_MAX_BYTES,
      });
    }
    const transport = await startTransport({ name, config, logger, pool, features: withDeps, probes });
    return started({ name, ctx, transport, workers, closers, withDeps, options });
  } catch (error) {
    await runClosers(closers, config.SHUTDOWN_TIMEOUT_MS, logger);
    throw error;
  }
}

interface StartedParts {
  name: string;
  ctx: ServiceContext;
  transport: Transport;
  workers: RuntimeWorker[];
  closers: ShutdownRegistry;
  withDeps: readonly { feature: Feature; deps: unknown }[];
  options: StartServiceOptions;
}

function started<Ctx extends ServiceContext>(parts: StartedParts): RunningService<Ctx> {
  const { ctx, transport, workers, closers, options } = parts;
  const { logger, config } = ctx;
  if (options.workers !== false) for (const worker of workers) worker.start();
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      const startedAt = Date.now();
      logger.info('shutting down');
      // 1-3: readiness 503, NATS intake drained, in-flight handlers finished and replied.
      await transport.stopIntake();
      // 4: every worker finishes the message in hand and releases its lock.
      await stopWorkers(workers, config.SHUTDOWN_TIMEOUT_MS - (Date.now() - startedAt), logger);
      // 5: the workers' NATS connection, resources, read models, store, then the pool.
      const remaining = Math.max(0, config.SHUTDOWN_TIMEOUT_MS - (Date.now() - startedAt));
      for (const r of await shutdownAll(remaining))
        if (!r.ok) logger.error({ err: r.error }, `closer ${r.name} failed`);
      await runClosers(closers, Math.max(0, config.SHUTDOWN_TIMEOUT_MS - (Date.now() - startedAt)), logger);
      await transport.closeHealthServer();
      logger.info({ ms: Date.now() - startedAt }, 'shut down');
      // 6: telemetry last, so the spans of the shutdown itself are exported.
      await options.telemetry
        ?.shutdown()
        .catch((err: unknown) => logger.error({ err }, 'telemetry flush failed'));
    })();
    return closing;
  };
  if (options.handleSignals !== false) installSignalHandlers(close, logger);
  const depsByFeature = new Map(parts.withDeps.map(({ feature, deps }) => [feature, deps]));
  logger.info(
    { subjects: transport.subjects, workers: workers.map((w) => `${w.kind}:${w.name}`), schema: ctx.schema },
    `${parts.name} started`,
  );
  return {
    name: parts.name,
    context: ctx as Ctx,
    app: transport.app,
    healthPort: transport.healthPort,
    depsOf: <T>(feature: Feature<unknown, T>): T => {
      if (!depsByFeature.has(feature))
        throw new Error(`feature ${feature.name} is not part of ${parts.name}`);
      return depsByFeature.get(feature) as T;
    },
    workers: () => workers.map((w) => ({ name: w.name, kind: w.kind, state: w.status })),
    close,
  };
}

// Bounded: a worker stuck in an outside call must not hold the process; closing the pool and the
// NATS connection after the deadline ends what it is doing.
async function stopWorkers(
  workers: readonly RuntimeWorker[],
  timeoutMs: number,
  logger: Logger,
): Promise<void> {
  const results = workers.map((worker) =>
    worker.stop().then(
      () => undefined,
      (err: unknown) => logger.error({ err, worker: worker.name }, 'stopping a worker failed'),
    ),
  );
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), Math.max(0, timeoutMs));
  });
  const outcome = await Promise.race([Promise.all(results), deadline]);
  clearTimeout(timer);
  if (outcome === 'timeout') {
    const running = workers.filter((w) => w.status !== 'stopped').map((w) => `${w.kind}:${w.name}`);
    logger.warn({ workers: running }, 'workers still stopping at the shutdown deadline; closing anyway');
  }
}

async function createResources(
  definition: AnyServiceDefinition,
  resourceCtx: Pick<ServiceContext, 'service' | 'schema' | 'config' | 'logger' | 'pool'>,
  closers: ShutdownRegistry,
) {
  const resources: Record<string, unknown> = {};
  const probes: Record<string, () => Promise<unknown>> = {};
  const table = (definition.resources ?? {}) as Record<
    string,
    import('./types.js').ResourceDefinition<unknown>
  >;
  for (const [key, resource] of Object.entries(table)) {
    const value = await resource.create(resourceCtx);
    resources[key] = value;
    if (resource.close) closers.onShutdown(key, () => resource.close?.(value) as Promise<void>);
    if (resource.health) probes[key] = () => resource.health!(value);
  }
  return { resources, probes };
}

/** Public event types the relay publishes: the definition's list, else the registry's. */
function publicEventsOf(definition: AnyServiceDefinition): ReadonlySet<string> {
  if (definition.publicEvents) return new Set(definition.publicEvents);
  return new Set(
    registry
      .list()
      .filter((c) => c.kind === 'event' && c.public && c.service === definition.name)
      .map((c) => c.name),
  );
}

// Each worker holds one connection for its advisory lock, on top of the requests' connections.
function createPool(
  config: { DATABASE_URL: string; DATABASE_POOL_SIZE: number },
  logger: Logger,
  features: readonly Feature[],
): pg.Pool {
  const workers = features.reduce(
    (n, f) =>
      n +
      (f.projections?.async?.length ?? 0) +
      (f.reactors?.length ?? 0) +
      (f.consumers?.length ?? 0) +
      (f.sagas?.length ?? 0) +
      (f.workers?.length ?? 0),
    2, // the relay and the saga scheduler
  );
  const pool = new pg.Pool({
    connectionString: config.DATABASE_URL,
    max: config.DATABASE_POOL_SIZE + workers,
    connectionTimeoutMillis: 5_000,
    // No JIT: the services run short statements, and on a table not analyzed since it grew the
    // planner's default estimates (0.5% of the rows per equality) push their cost past
    // jit_above_cost, so each execution compiled code for 5–40 ms to run a 0.1 ms index probe
    // (measured: the verification saga's stream read, 2–3 ms on average under load).
    options: '-c jit=off',
  });
  // An idle client losing its connection emits 'error' on the pool; unhandled, it would crash the process.
  pool.on('error', (err) => logger.warn({ err }, 'idle postgres client error'));
  // Every client also gets a last-resort 'error' listener before it is first used (checked-out
  // clients have none of pg-pool's): a terminated backend fails work with UNAVAILABLE, never the process.
  return guardPool(pool);
}

async function runClosers(closers: ShutdownRegistry, timeoutMs: number, logger: Logger): Promise<void> {
  for (const result of await closers.shutdownAll(timeoutMs)) {
    if (!result.ok) logger.error({ err: result.error }, `closing ${result.name} failed`);
  }
}

const natsServers = (url: string): string[] => url.split(',').map((s) => s.trim());

const hasDisconnect = (value: unknown): value is { $disconnect(): Promise<void> } =>
  typeof (value as { $disconnect?: unknown } | undefined)?.$disconnect === 'function';

function defaultLogger(name: string, config: { LOG_LEVEL: string; NODE_ENV: string }): Logger {
  return createLogger({
    service: name,
    level: config.LOG_LEVEL as Parameters<typeof createLogger>[0]['level'],
    pretty: config.NODE_ENV === 'development',
  });
}

// Nest's enableShutdownHooks is not used: its signal path re-raises the signal before our closers finish.
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
