import { defineService, type ServiceContext } from '@ledgerline/platform';
import { prismaReadModels } from '@ledgerline/platform/prisma';
import { Redis } from 'ioredis';
import { accounts } from './accounts/feature.js';
import { type IdentityConfig, identityConfig } from './config.js';
import { PrismaClient } from './generated/prisma/client.js';
import { auth } from './sessions/feature.js';
import { AfterReplyQueue } from './shared/afterReply.js';
import { createPasswordHasher, type PasswordHasher } from './shared/passwords.js';

/** Identity's Prisma client: queries on the read models in `<schema>_rm`. */
export type ReadModels = PrismaClient;

/** What identity builds besides the runtime's parts (config → resource, closed at shutdown). */
export interface IdentityResources {
  /** Throttling and short-lived state, shared by every identity instance. */
  redis: Redis;
  /** argon2id with a bounded queue: beyond it, and past a caller's deadline, a fast UNAVAILABLE. */
  passwords: PasswordHasher;
  /** Work that runs after a reply whose timing must not depend on it (no account enumeration). */
  afterReply: AfterReplyQueue;
}

/** What identity's features are built from. */
export type IdentityContext = ServiceContext<IdentityConfig, ReadModels, IdentityResources>;

/** Identity: accounts, sessions, sign-in (password, e-mailed code, TOTP), signing keys and the JWKS. */
export default defineService({
  name: 'identity',
  config: identityConfig,
  readModels: { prismaDir: new URL('../prisma', import.meta.url), client: prismaReadModels(PrismaClient) },
  resources: {
    // Lazy: the connection opens with the first throttled request.
    redis: {
      create: ({ config, logger }) => {
        const redis = new Redis(config.REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 3 });
        redis.on('error', (err) => logger.warn({ err }, 'redis error'));
        return redis;
      },
      close: (redis) =>
        redis.status === 'wait' || redis.status === 'end'
          ? redis.disconnect()
          : redis.quit().catch(() => redis.disconnect()),
      health: (redis) => redis.ping(),
    },
    passwords: { create: ({ config }) => createPasswordHasher(config) },
    afterReply: {
      create: ({ logger }) => new AfterReplyQueue({ logger }),
      close: (queue) => queue.drain(),
    },
  },
  features: [accounts, auth],
});
