import { type MessageMeta, unseal } from '@ledgerline/contracts';
import { inlineProjections, migrateService, PostgresEventStore, schemasOf } from '@ledgerline/eventsourcing';
import { createLogger } from '@ledgerline/platform';
import { prismaReadModels } from '@ledgerline/platform/prisma';
import { dropServiceSchemas, infrastructure, testPool, uniqueServiceName } from '@ledgerline/testing';
import type pg from 'pg';
import { accountStreamId } from '../accounts/account.js';
import { type AccountsDeps, accountsDeps } from '../accounts/accountsDeps.js';
import { loadIdentityConfig } from '../config.js';
import { PrismaClient } from '../generated/prisma/client.js';
import identity, { type IdentityContext } from '../service.js';

/**
 * Identity's service context over a migrated, unique schema, built the way the runtime builds it
 * (the definition's resources and inline projections) but without the NATS transport: handlers'
 * subjects are fixed, so use-case tests call the use cases directly.
 */
export interface IdentityTestContext {
  ctx: IdentityContext;
  close(): Promise<void>;
}

export async function identityTestContext(prefix: string): Promise<IdentityTestContext> {
  const schema = uniqueServiceName(prefix);
  const { databaseUrl, redisUrl } = await infrastructure();
  const pool: pg.Pool = await testPool();
  // Cheap argon2 parameters: the tests exercise flows, not hashing cost.
  const config = loadIdentityConfig({
    NODE_ENV: 'test',
    DATABASE_URL: databaseUrl,
    REDIS_URL: redisUrl,
    SERVICE_SCHEMA: schema,
    ARGON2_MEMORY_KIB: '8192',
    ARGON2_TIME_COST: '1',
  });
  await migrateService(pool, schema, identity.readModelMigrationsDir);
  const inline = identity.features.flatMap((f) => f.projections?.inline ?? []);
  const store = new PostgresEventStore({
    pool,
    service: schema,
    appendHooks: [inlineProjections(schema, inline)],
  });
  const readModels = prismaReadModels(PrismaClient)(pool, schemasOf(schema).readModel);
  const logger = createLogger({ service: 'identity', level: 'silent' });
  const resourceCtx = { service: 'identity', schema, config, logger, pool };
  const definitions = identity.resources!;
  const resources = {
    redis: await definitions.redis.create(resourceCtx),
    passwords: await definitions.passwords.create(resourceCtx),
    afterReply: await definitions.afterReply.create(resourceCtx),
  };
  const ctx: IdentityContext = {
    ...resourceCtx,
    pool,
    store,
    readModels,
    resources,
    get nats(): never {
      throw new Error('use-case tests have no NATS connection');
    },
  };
  return {
    ctx,
    async close() {
      await definitions.afterReply.close?.(resources.afterReply);
      await definitions.redis.close?.(resources.redis);
      await store.close();
      await readModels.$disconnect();
      await dropServiceSchemas(pool, schema);
      await pool.end();
    },
  };
}

/** A migrated, unique identity schema with the accounts use cases over it and a movable clock. */
export interface AccountsHarness {
  ctx: IdentityContext;
  deps: AccountsDeps;
  /** Sets the time the next decisions are made at. */
  setNow(iso: string | Date): void;
  /** The token sealed in the latest public event of `type` on the user's stream. */
  sealedTokenOf(
    userId: string,
    type: 'EmailVerificationRequested' | 'PasswordResetRequested',
  ): Promise<string>;
  close(): Promise<void>;
}

/** Meta of a request made by `actor` (defaults: a signed-in user). */
export const metaFor = (actor: MessageMeta['actor']): MessageMeta => ({
  requestId: 'req-1',
  correlationId: 'corr-1',
  causationId: 'req-1',
  actor,
});

export async function accountsHarness(prefix: string): Promise<AccountsHarness> {
  const test = await identityTestContext(prefix);
  const { ctx } = test;
  let now: Date | undefined;
  const deps = accountsDeps(ctx, () => now ?? new Date());
  return {
    ctx,
    deps,
    setNow: (iso) => {
      now = new Date(iso);
    },
    async sealedTokenOf(userId, type) {
      const events = await ctx.store.readStream(accountStreamId(userId));
      const event = events.filter((e) => e.type === type).at(-1);
      if (!event) throw new Error(`no ${type} on ${userId}`);
      return unseal(ctx.config.MESSAGE_SEAL_KEY, (event.data as { sealedToken: string }).sealedToken, type);
    },
    close: () => test.close(),
  };
}
