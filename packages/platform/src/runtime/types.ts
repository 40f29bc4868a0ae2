// biome-ignore-all lint/suspicious/noExplicitAny: the runtime erases feature and service type parameters in its collections; each feature and service is checked where it is defined.
import type { MessageMeta, ReplyDataOf, RequestContract, RequestOf } from '@ledgerline/contracts';
import type {
  AnyProjection,
  AnyReactor,
  ConsumerContext,
  EventContractLookup,
  PostgresEventStore,
  SagaDefinition,
} from '@ledgerline/eventsourcing';
import type { NatsConnection } from '@nats-io/transport-node';
import type { INestMicroservice } from '@nestjs/common';
import type pg from 'pg';
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { DeepReadonly } from '../config/loadConfig.js';
import type { runtimeConfigSchema } from './runtimeConfig.js';

// The public types of the service runtime. A service is a definition (defineService), not a
// bootstrap script: see README.md in this folder for a complete example.

/** No keys: the default of a service without its own variables or resources. */
export type Empty = Record<never, never>;

/** The variables the runtime reads for every service (base config + SERVICE_SCHEMA, MIGRATE_ON_START …). */
export type RuntimeConfig = DeepReadonly<z.output<typeof runtimeConfigSchema>>;

/** A service's whole configuration: the runtime's variables plus the service's own zod object. */
export type ServiceConfig<Own extends z.ZodObject = z.ZodObject<Empty>> = DeepReadonly<
  z.output<typeof runtimeConfigSchema> & z.output<Own>
>;

/** What a resource factory gets: the parsed config and the service's logger. */
export interface ResourceContext<Config = RuntimeConfig> {
  /** The logical service name (subjects, queue group, logs). */
  readonly service: string;
  /** The schema base name (`<schema>_es`, `<schema>_rm`): SERVICE_SCHEMA, default the service name. */
  readonly schema: string;
  readonly config: Config;
  readonly logger: Logger;
  /** The service's pool (`<schema>_es` and `<schema>_rm`), for a resource that reads or LISTENs. */
  readonly pool: pg.Pool;
}

/**
 * A service-specific resource built once from config at start (an S3 client, a Stripe client, an
 * SMTP transport, a Redis client), closed at shutdown after every worker stopped, and optionally
 * health-checked (`<service>.qry.Health` and `/readyz` list it under its key).
 */
export interface ResourceDefinition<T, Config = RuntimeConfig> {
  create(ctx: ResourceContext<Config>): T | Promise<T>;
  close?(value: T): Promise<unknown> | unknown;
  health?(value: T): Promise<unknown>;
}

/**
 * The read models: the service's Prisma folder (its `migrations/` are applied into `<schema>_rm`,
 * the same path in tests, dev, the ops CLI and the Helm job) and the factory of its generated
 * Prisma client (generated per service, so the service passes it; see `prismaReadModels`).
 */
export interface ReadModelsDefinition<RM = unknown> {
  /** Absolute path or file URL of the `prisma` folder, e.g. `new URL('../prisma', import.meta.url)`. */
  readonly prismaDir: string | URL;
  /** Builds the query client over the runtime's pool, pinned to `readModelSchema`. */
  readonly client?: (pool: pg.Pool, readModelSchema: string) => RM;
}

/**
 * Everything the runtime built, handed to each feature's `deps` factory once at start (and to
 * its handlers when the feature has no factory).
 */
export interface ServiceContext<Config = RuntimeConfig, ReadModels = unknown, Resources = Empty>
  extends ResourceContext<Config> {
  /** One pool per process, shared by the store, Prisma, the workers and the features. */
  readonly pool: pg.Pool;
  /** The event store (`<schema>_es`) with every feature's inline projections as append hooks. */
  readonly store: PostgresEventStore;
  /** The Prisma client of `<schema>_rm` (undefined without `readModels.client`). */
  readonly readModels: ReadModels;
  readonly resources: Resources;
  /**
   * The workers' NATS connection (relay, consumers, sagas), also for features that send requests
   * to other services. It stays open until the workers stopped, after the request/reply intake.
   */
  readonly nats: NatsConnection;
}

/** Type of a handler in a feature's table: `(deps, request, meta) => reply`. */
export type RequestHandler<C extends RequestContract, Deps> = (
  deps: Deps,
  request: RequestOf<C>,
  meta: MessageMeta,
) => Promise<ReplyDataOf<C>> | ReplyDataOf<C>;

/** `on` with the deps type fixed (what a feature's `handlers` function receives). */
export type TypedOn<Deps> = <C extends RequestContract>(
  contract: C,
  handler: RequestHandler<C, Deps>,
) => HandlerEntry<Deps>;

/** One row of a feature's `handlers` table; build it with `on(contract, handler)`. */
export interface HandlerEntry<Deps = any> {
  readonly contract: RequestContract;
  handle(deps: Deps, request: unknown, meta: MessageMeta): unknown;
}

/** JetStream durable-consumer settings a feature may compute from its deps (config). */
export interface ConsumerSettings {
  /** Durable name, also the inbox's consumer and the dead letters' source (default: the consumer's name). */
  readonly durable?: string;
  /** Where a new durable starts (default 'all'). */
  readonly deliverPolicy?: 'all' | 'new';
  /** Deliveries before the last one parks the message (default 5). */
  readonly maxDeliver?: number;
  readonly ackWaitMs?: number;
  /** Messages pulled per fetch (default 10). */
  readonly batchSize?: number;
  readonly retryBaseDelayMs?: number;
  readonly retryMaxDelayMs?: number;
  /** Subjects this consumer skips (acked, no inbox row) return false. */
  readonly accepts?: (subject: string) => boolean;
  /** Logged at debug instead of error (a handler's expected retry signal). */
  readonly quietErrors?: (error: unknown) => boolean;
}

/** A durable JetStream pull consumer: each message parsed, deduplicated by the inbox, then handled. */
export interface ConsumerDefinition<Deps = any> {
  /** Default durable name; lower-case, digits, `-` and `_`. */
  readonly name: string;
  /** One subject filter on the stream, e.g. `evt.identity.>`. */
  readonly filterSubject: string;
  /** Default `EVENTS`. */
  readonly stream?: string;
  /** Contracts to parse the messages with (default: the contracts registry). */
  readonly messages?: EventContractLookup;
  readonly description?: string;
  /** Computed once at start from the feature's deps: e.g. a durable name from config in tests. */
  settings?(deps: Deps): ConsumerSettings;
  /** Runs in the inbox row's transaction (`ctx.client`); throw to nak with backoff. */
  handle(deps: Deps, ctx: ConsumerContext): Promise<void>;
}

/**
 * A process manager; its timeouts go through the saga scheduler. Driven either by this service's
 * own events read from its event store (`source: 'log'`: a checkpointed reactor, one transaction
 * per batch, the events need not be public), or by a durable JetStream consumer on `filterSubject`
 * (events of other services).
 */
export type SagaRegistration<Deps = any> = SagaOnLogRegistration<Deps> | SagaOnStreamRegistration<Deps>;

interface SagaRegistrationBase<Deps> {
  /** The saga, or how to make it from the feature's deps (e.g. retry delays from config). */
  readonly saga: SagaDefinition<any, any> | ((deps: Deps) => SagaDefinition<any, any>);
  /** Reply timeout of each command the saga sends (default: the saga's commandTimeoutMs, else 5 s). */
  readonly commandTimeoutMs?: number;
}

export interface SagaOnLogRegistration<Deps = any> extends SagaRegistrationBase<Deps> {
  readonly source: 'log';
}

export interface SagaOnStreamRegistration<Deps = any> extends SagaRegistrationBase<Deps> {
  readonly source?: 'stream';
  /** Subject filter covering every event type the saga starts on or handles, e.g. `evt.billing.>`. */
  readonly filterSubject: string;
  readonly stream?: string;
  readonly messages?: EventContractLookup;
  settings?(deps: Deps): ConsumerSettings;
}

/**
 * A feature's own background loop, for work that does not fit a ConsumerDefinition (whose handler
 * runs inside the inbox transaction): e.g. the notifier's e-mail consumer, which must not hold a
 * database transaction across the SMTP conversation and sends concurrently. Started with the other
 * workers; `stop()` is awaited in the workers' phase of shutdown (after intake stopped, before the
 * resources and the pool close). Added by R3 for the notifier (services/notifier/src/deliveries).
 */
export interface WorkerDefinition<Deps = any> {
  readonly name: string;
  start(deps: Deps): Promise<{ stop(): Promise<void> }>;
}

/** A readiness probe: resolves when the dependency answers. */
export type FeatureHealthCheck<Deps = any> = (deps: Deps) => Promise<unknown>;

/**
 * One feature (an aggregate or process): what it registers with the runtime. Every part is
 * optional; `deps` is built once at start from the service context (default: the context itself).
 */
export interface Feature<Ctx = any, Deps = Ctx> {
  /** Lower-camel feature name (logs, worker names). */
  readonly name: string;
  /** Builds the feature's dependencies once; handlers, consumers and health checks receive them. */
  deps?(ctx: Ctx): Deps;
  /**
   * One NATS subject per row, queue group = the service name. Either a table of
   * `on(contract, (deps: Deps, request, meta) => reply)` rows, or a function of a typed `on`:
   * `handlers: (on) => [on(contract, (deps, request, meta) => reply)]` (deps typed from `deps`).
   */
  readonly handlers?: readonly HandlerEntry<Deps>[] | ((on: TypedOn<Deps>) => readonly HandlerEntry<Deps>[]);
  readonly projections?: {
    /** Run in the append transaction (read-your-writes). */
    readonly inline?: readonly AnyProjection[];
    /** Catch-up subscriptions, one active instance per projection (LeaderWorker). */
    readonly async?: readonly AnyProjection[];
  };
  /**
   * Effects per event of the service's own log (kernel `Reactor`, `defineReactor`), each run by a
   * ReactorRunner under LeaderWorker: one active instance, checkpoint in the effect's transaction.
   */
  readonly reactors?: readonly AnyReactor[];
  /** Durable JetStream consumers (public events of other services, external events). */
  readonly consumers?: readonly ConsumerDefinition<Deps>[];
  /** Background loops of the feature's own (see WorkerDefinition). */
  readonly workers?: readonly WorkerDefinition<Deps>[];
  /** Process managers; the runtime adds one saga scheduler when any feature has a saga. */
  readonly sagas?: readonly SagaRegistration<Deps>[];
  /** Extra readiness checks, listed by key in the Health reply and /readyz. */
  readonly healthChecks?: Readonly<Record<string, FeatureHealthCheck<Deps>>>;
}

/** What `defineService` takes. */
export interface ServiceDefinitionInput<
  Own extends z.ZodObject = z.ZodObject<Empty>,
  ReadModels = undefined,
  Res extends object = Empty,
> {
  /** Lower-case service name: `<name>.cmd.*`, `<name>.qry.Health`, queue group, `evt.<name>.*`. */
  readonly name: string;
  /** Only this service's variables; merged with the runtime's into one schema at start. */
  readonly config?: Own;
  /** Cross-variable rules (problems are listed together with the schema's). */
  readonly checkConfig?: (config: ServiceConfig<Own>) => readonly { name: string; problem: string }[];
  readonly readModels?: ReadModelsDefinition<ReadModels>;
  /** Built in key order at start, closed in reverse at shutdown; features get the values. */
  readonly resources?: { readonly [K in keyof Res]: ResourceDefinition<Res[K], ServiceConfig<Own>> };
  readonly features: readonly Feature<ServiceContext<ServiceConfig<Own>, ReadModels, Res>, any>[];
  /**
   * Which of this service's events the relay publishes to JetStream EVENTS (default: the
   * registry's public event contracts of `name`). No public events → no relay.
   */
  readonly publicEvents?: readonly string[];
}

/** A defined service: the input plus what tooling derives from it. */
export interface ServiceDefinition<
  Own extends z.ZodObject = z.ZodObject<Empty>,
  ReadModels = any,
  Res extends object = any,
> extends ServiceDefinitionInput<Own, ReadModels, Res> {
  readonly kind: 'ledgerline.service';
  /** Absolute path of `prisma/migrations`, when the service has read models. */
  readonly readModelMigrationsDir: string | undefined;
}

/** Any service definition (tooling: the ops CLI, e2e, `npm run dev`). */
export type AnyServiceDefinition = ServiceDefinition<any, any, any>;

/** The service context type of a definition's features: `ContextOf<typeof service>`. */
export type ContextOf<D> =
  D extends ServiceDefinition<infer Own, infer RM, infer Res>
    ? ServiceContext<ServiceConfig<Own>, RM, Res>
    : never;

/** Options of `startService` (tests, e2e) and `runService` (main.ts). */
export interface StartServiceOptions {
  /** Environment to parse (default process.env); tests pass a unique SERVICE_SCHEMA. */
  readonly env?: Record<string, string | undefined>;
  readonly logger?: Logger;
  /** Install SIGTERM/SIGINT handlers that close and exit (default true; tests pass false). */
  readonly handleSignals?: boolean;
  /** Flushed last on shutdown (runService starts it before the service graph loads). */
  readonly telemetry?: { shutdown(): Promise<void> };
  /** Override MIGRATE_ON_START for this start. */
  readonly migrate?: boolean;
  /** Start the background workers (default true). Tests of one handler may pass false. */
  readonly workers?: boolean;
}

/** State of one background worker under LeaderWorker. */
export interface WorkerStatus {
  readonly name: string;
  readonly kind: 'relay' | 'projection' | 'reactor' | 'consumer' | 'saga' | 'scheduler' | 'worker';
  readonly state: 'running' | 'standby' | 'stopped';
}

/** A running service (startService's result). */
export interface RunningService<Ctx extends ServiceContext<any, any, any> = ServiceContext<any, any, any>> {
  readonly name: string;
  readonly context: Ctx;
  /** The NestJS microservice (NATS transport, queue group = service name). */
  readonly app: INestMicroservice;
  /** Port of the /healthz + /readyz server when HEALTH_PORT is set. */
  readonly healthPort: number | undefined;
  /** The deps a feature was given (tests reach a feature's collaborators through this). */
  depsOf<D>(feature: Feature<any, D>): D;
  workers(): readonly WorkerStatus[];
  /**
   * Graceful stop: stop intake, drain NATS, finish in-flight handlers, stop workers, close
   * resources, read models and the pool, flush telemetry. Idempotent.
   */
  close(): Promise<void>;
}
