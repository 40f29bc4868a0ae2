import { type MessageMeta, registry } from '@ledgerline/contracts';
import {
  AsyncProjector,
  createDurableConsumer,
  EventRelay,
  LeaderWorker,
  ReactorRunner,
  type RunningConsumer,
  runConsumer,
  runSaga,
  runSagaOnLog,
  type SagaDefinition,
  SagaScheduler,
} from '@ledgerline/eventsourcing';
import { DeliverPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { PoolClient } from 'pg';
import { runWithMessageContext } from '../context/messageContext.js';
import type { ConsumerDefinition, ConsumerSettings, Feature, ServiceContext, WorkerStatus } from './types.js';

/** One background worker of the runtime: started after the transport, stopped before the pool. */
export interface RuntimeWorker {
  readonly name: string;
  readonly kind: WorkerStatus['kind'];
  readonly status: WorkerStatus['state'];
  start(): void;
  stop(): Promise<void>;
}

interface FeatureWithDeps {
  readonly feature: Feature;
  readonly deps: unknown;
}

/**
 * Every background worker of a service, each under the kernel's LeaderWorker (one active instance
 * per service, the others on standby): relay, async projectors, reactors, JetStream consumers,
 * sagas and the saga scheduler, and the features' own loops.
 */
export function buildWorkers(
  ctx: ServiceContext,
  features: readonly FeatureWithDeps[],
  publicEvents: ReadonlySet<string>,
): RuntimeWorker[] {
  const { pool, schema, store, logger, nats } = ctx;
  const onError = (kind: string, name: string) => (err: unknown) =>
    logger.warn({ err, worker: `${kind}:${name}` }, 'worker failed; retrying');
  const workers: RuntimeWorker[] = [];
  /** Every saga of the service, made from its feature's deps: the scheduler delivers their timeouts. */
  const sagas: SagaDefinition[] = [];
  if (publicEvents.size > 0) {
    const relay = new EventRelay({
      pool,
      service: schema,
      subjectService: ctx.service,
      js: jetstream(nats),
      publicTypes: [...publicEvents],
      store,
      onError: onError('relay', 'relay'),
    });
    workers.push(adapt('relay', 'relay', relay));
  }
  for (const { feature, deps } of features) {
    for (const projection of feature.projections?.async ?? []) {
      const projector = new AsyncProjector({
        pool,
        service: schema,
        projection,
        waitForAppend: (ms) => store.waitForAppend(ms),
        onError: onError('projection', projection.name),
      });
      workers.push(adapt(projection.name, 'projection', projector));
    }
    for (const reactor of feature.reactors ?? []) {
      const runner = new ReactorRunner({
        pool,
        service: schema,
        store,
        reactor,
        onError: onError('reactor', reactor.name),
      });
      workers.push(adapt(reactor.name, 'reactor', runner));
    }
    for (const consumer of feature.consumers ?? []) {
      workers.push(leader(ctx, consumer.name, 'consumer', () => startConsumer(ctx, consumer, deps)));
    }
    for (const registration of feature.sagas ?? []) {
      const saga = typeof registration.saga === 'function' ? registration.saga(deps) : registration.saga;
      sagas.push(saga);
      const options = { pool, service: schema, nc: nats, store, saga, onError: onError('saga', saga.name) };
      if (registration.source === 'log') {
        // A reactor over the log (its own leader lock); stopping it also drains its command lanes.
        const onLog = runSagaOnLog({ ...options, commandTimeoutMs: registration.commandTimeoutMs });
        workers.push(adapt(onLog.name, 'saga', onLog));
        continue;
      }
      const settings = registration.settings?.(deps) ?? {};
      const durable = settings.durable ?? saga.name;
      workers.push(
        leader(ctx, saga.name, 'saga', async () => {
          await ensureDurable(ctx, durable, registration.filterSubject, settings, registration.stream);
          return runSaga({
            ...options,
            js: jetstream(nats),
            consumer: durable,
            messages: registration.messages ?? registry,
            commandTimeoutMs: registration.commandTimeoutMs,
            consumerOptions: { ...consumerOptions(settings), onError: options.onError },
          });
        }),
      );
    }
    for (const worker of feature.workers ?? []) {
      workers.push(leader(ctx, `${feature.name}.${worker.name}`, 'worker', () => worker.start(deps)));
    }
  }
  if (sagas.length > 0) {
    workers.push(
      leader(ctx, 'saga-scheduler', 'scheduler', async () => {
        const scheduler = new SagaScheduler({
          pool,
          service: schema,
          nc: nats,
          store,
          sagas,
          onError: onError('scheduler', 'saga-scheduler'),
        });
        scheduler.start();
        return scheduler;
      }),
    );
  }
  return workers;
}

/** How many workers hold a pool connection for their lock (the pool is sized for them). */
export const lockedConnections = (workers: readonly RuntimeWorker[]): number => workers.length;

async function startConsumer(ctx: ServiceContext, definition: ConsumerDefinition, deps: unknown) {
  const settings = definition.settings?.(deps) ?? {};
  const durable = settings.durable ?? definition.name;
  await ensureDurable(
    ctx,
    durable,
    definition.filterSubject,
    settings,
    definition.stream,
    definition.description,
  );
  return runConsumer({
    ...consumerOptions(settings),
    pool: ctx.pool,
    service: ctx.schema,
    js: jetstream(ctx.nats),
    stream: definition.stream,
    consumer: durable,
    messages: definition.messages ?? registry,
    handle: async (consumerCtx) => {
      const started = performance.now();
      await definition.handle(deps, consumerCtx);
      // One line per handled message, as the command/query transport writes (skipped below info).
      if (ctx.logger.isLevelEnabled('info')) {
        const ms = Math.round((performance.now() - started) * 100) / 100;
        ctx.logger.info({ consumer: durable, subject: consumerCtx.subject, ms }, 'message handled');
      }
    },
    around: (meta, work) => (meta.requestId ? runWithMessageContext(meta as MessageMeta, work) : work()),
    onError: (err) => {
      if (settings.quietErrors?.(err)) ctx.logger.debug({ err, consumer: durable }, 'consumer retry');
      else ctx.logger.error({ err, consumer: durable }, 'consumer error');
    },
  });
}

function consumerOptions(settings: ConsumerSettings) {
  return {
    maxDeliver: settings.maxDeliver,
    batchSize: settings.batchSize,
    retryBaseDelayMs: settings.retryBaseDelayMs,
    retryMaxDelayMs: settings.retryMaxDelayMs,
    accepts: settings.accepts,
  };
}

async function ensureDurable(
  ctx: ServiceContext,
  durable: string,
  filterSubject: string,
  settings: ConsumerSettings,
  stream?: string,
  description?: string,
): Promise<void> {
  await createDurableConsumer({
    jsm: await jetstreamManager(ctx.nats),
    stream,
    durable,
    filterSubject,
    maxDeliver: settings.maxDeliver,
    ackWaitMs: settings.ackWaitMs,
    deliverPolicy: settings.deliverPolicy === 'new' ? DeliverPolicy.New : DeliverPolicy.All,
    description: description ?? `${ctx.service}: ${durable}`,
  });
}

function adapt(
  name: string,
  kind: WorkerStatus['kind'],
  worker: { readonly status: WorkerStatus['state']; start(): void; stop(): Promise<void> },
): RuntimeWorker {
  return {
    name,
    kind,
    get status() {
      return worker.status;
    },
    start: () => worker.start(),
    stop: () => worker.stop(),
  };
}

/**
 * Runs a loop that has no leader lock of its own (a JetStream consumer, the scheduler) under
 * LeaderWorker: started when this process takes the lock, stopped when it stops or the lock's
 * connection breaks (then LeaderWorker reconnects and competes for the lock again).
 */
function leader(
  ctx: ServiceContext,
  name: string,
  kind: WorkerStatus['kind'],
  start: () => Promise<RunningConsumer>,
): RuntimeWorker {
  const worker = new LeaderWorker({
    pool: ctx.pool,
    service: ctx.schema,
    worker: `${kind}:${name}`,
    work: async (client, stopping) => {
      const running = await start();
      try {
        await untilStoppedOrBroken(client, stopping);
      } finally {
        await running.stop();
      }
    },
    onError: (err) => ctx.logger.warn({ err, worker: `${kind}:${name}` }, 'worker failed; retrying'),
  });
  return adapt(name, kind, worker);
}

// LeaderWorker only offers a `stopping()` flag: look at it often (no I/O), and end at once when the
// connection holding the lock breaks, since the lock went with it.
function untilStoppedOrBroken(client: PoolClient, stopping: () => boolean): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onBroken = (error?: unknown) => {
      cleanup();
      reject(error instanceof Error ? error : new Error('the worker lock connection ended'));
    };
    const timer = setInterval(() => {
      if (!stopping()) return;
      cleanup();
      resolve();
    }, 100);
    const cleanup = () => {
      clearInterval(timer);
      client.off('error', onBroken);
      client.off('end', onBroken);
    };
    client.on('error', onBroken);
    client.on('end', onBroken);
  });
}
