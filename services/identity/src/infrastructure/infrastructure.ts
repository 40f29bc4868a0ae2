import { inlineProjections, PostgresEventStore, type Projection } from '@ledgerline/eventsourcing';
import type { Logger } from '@ledgerline/platform';
import { Redis } from 'ioredis';
import pg from 'pg';
import type { IdentityConfig } from '../config.js';
import { createPasswordHasher, type PasswordHasher } from '../shared/passwords.js';
import { createReadModels, type ReadModels } from './readModels.js';

/** Everything identity's features run on; built once per process (and once per int-test file). */
export interface IdentityInfrastructure {
  readonly config: IdentityConfig;
  /** The schema name the event store and read models derive from (`<service>_es`, `<service>_rm`). */
  readonly service: string;
  readonly pool: pg.Pool;
  readonly prisma: ReadModels;
  readonly store: PostgresEventStore;
  readonly redis: Redis;
  readonly passwords: PasswordHasher;
  /** Closes in dependency order: store, Prisma, Redis, then the pool they share. */
  close(): Promise<void>;
}

export interface CreateInfrastructureOptions {
  /** Inline projections of every feature (src/features.ts), run in the append transaction. */
  projections: readonly Projection[];
  logger?: Logger;
  /** An existing pool (tests); closed by close() only when created here. */
  pool?: pg.Pool;
}

/** Builds the pool, Prisma client, event store (with inline projections) and Redis client. */
export function createInfrastructure(
  config: IdentityConfig,
  options: CreateInfrastructureOptions,
): IdentityInfrastructure {
  const service = config.IDENTITY_SCHEMA_SERVICE;
  const ownsPool = options.pool === undefined;
  const pool = options.pool ?? new pg.Pool({ connectionString: config.DATABASE_URL, max: 10 });
  // An idle client losing its connection emits 'error' on the pool; unhandled, it kills the process.
  if (ownsPool) pool.on('error', (err) => options.logger?.warn({ err }, 'idle postgres client error'));
  const prisma = createReadModels(pool, service);
  const store = new PostgresEventStore({
    pool,
    service,
    appendHooks: [inlineProjections(service, [...options.projections])],
  });
  // Lazy: a process that never throttles (a test of accounts) never opens a connection.
  const redis = new Redis(config.REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 3 });
  redis.on('error', (err) => options.logger?.warn({ err }, 'redis error'));
  const passwords = createPasswordHasher(config);

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      await store.close();
      await prisma.$disconnect();
      if (redis.status === 'wait' || redis.status === 'end') redis.disconnect();
      else await redis.quit().catch(() => redis.disconnect());
      if (ownsPool) await pool.end();
    })();
    return closing;
  };
  return { config, service, pool, prisma, store, redis, passwords, close };
}
