import { healthQuery } from '@ledgerline/contracts';
import { type INestMicroservice, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type pg from 'pg';
import type { Logger } from 'pino';
import { newRootMeta } from '../context/messageContext.js';
import { PinoNestLogger } from '../logging/nestLogger.js';
import { handleMessage, setHandlerLogger } from '../nest/handleMessage.js';
import { type HealthProbe, natsProbe, postgresProbe, runHealthChecks } from '../nest/health.js';
import { type HealthServer, startHealthServer } from '../nest/healthServer.js';
import { LedgerlineNatsServer } from '../nest/natsServer.js';
import { ReplyExceptionFilter } from '../nest/replyExceptionFilter.js';
import { on } from './define.js';
import type { Feature, HandlerEntry, RuntimeConfig } from './types.js';

/** The root module: handlers are registered on the transport from the features' tables, not by Nest modules. */
@Module({})
class ServiceRuntimeModule {}

export interface TransportOptions {
  name: string;
  config: RuntimeConfig;
  logger: Logger;
  pool: pg.Pool;
  features: readonly { feature: Feature; deps: unknown }[];
  /** Readiness probes of the resources. */
  probes: Readonly<Record<string, HealthProbe>>;
}

export interface Transport {
  readonly app: INestMicroservice;
  readonly subjects: readonly string[];
  readonly healthPort: number | undefined;
  /** Readiness 503, NATS subscriptions drained, in-flight handlers finished and replied. */
  stopIntake(): Promise<void>;
  closeHealthServer(): Promise<void>;
}

/**
 * The NestJS microservice on the NATS transport (queue group = service name) with every feature's
 * handlers and `<name>.qry.Health`, plus the /healthz + /readyz server when HEALTH_PORT is set.
 */
export async function startTransport(options: TransportOptions): Promise<Transport> {
  const { name, config, logger } = options;
  setHandlerLogger(logger);
  const server = new LedgerlineNatsServer({
    servers: config.NATS_URL.split(',').map((s) => s.trim()),
    name,
    logger,
    drainTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
  });
  const app = await NestFactory.createMicroservice(ServiceRuntimeModule, {
    strategy: server,
    logger: new PinoNestLogger(logger),
  });
  app.useGlobalFilters(new ReplyExceptionFilter(logger));
  const subjects = new Set<string>();
  for (const { feature, deps } of options.features) {
    for (const entry of handlersOf(feature)) {
      const { contract } = entry;
      if (contract.service !== name)
        throw new Error(`${feature.name}: ${contract.subject} belongs to ${contract.service}`);
      if (subjects.has(contract.subject)) throw new Error(`${contract.subject} is registered twice`);
      subjects.add(contract.subject);
      server.addHandler(contract.subject, (payload: unknown) =>
        handleMessage(
          contract,
          payload,
          (request, meta) => entry.handle(deps, request, meta ?? newRootMeta()) as never,
          logger,
        ),
      );
    }
  }
  const probes: Record<string, HealthProbe> = {
    nats: natsProbe(() => server.connection),
    postgres: postgresProbe(options.pool),
    ...options.probes,
  };
  for (const { feature, deps } of options.features) {
    for (const [key, check] of Object.entries(feature.healthChecks ?? {})) probes[key] = () => check(deps);
  }
  const readiness = () => runHealthChecks(name, probes);
  const health = healthQuery(name);
  server.addHandler(health.subject, (payload: unknown) =>
    handleMessage(health, payload ?? {}, async () => {
      const { ready: _ready, ...reply } = await readiness();
      return reply;
    }),
  );
  subjects.add(health.subject);
  await app.listen();
  // SUBs are buffered; a round trip guarantees the server has them before callers are told we are up.
  await server.connection.flush();
  let shuttingDown = false;
  let healthServer: HealthServer | undefined;
  try {
    healthServer =
      config.HEALTH_PORT === undefined
        ? undefined
        : await startHealthServer({ port: config.HEALTH_PORT, readiness, shuttingDown: () => shuttingDown });
  } catch (error) {
    await app.close();
    throw error;
  }
  return {
    app,
    subjects: [...subjects],
    healthPort: healthServer?.port,
    async stopIntake() {
      shuttingDown = true;
      // app.close() drains the subscriptions, waits for in-flight handlers, then runs Nest's hooks.
      await app.close().catch((err: unknown) => logger.error({ err }, 'closing the microservice failed'));
    },
    async closeHealthServer() {
      await healthServer?.close();
    },
  };
}

function handlersOf(feature: Feature): readonly HandlerEntry[] {
  const { handlers } = feature;
  if (handlers === undefined) return [];
  return typeof handlers === 'function' ? handlers(on as never) : handlers;
}
