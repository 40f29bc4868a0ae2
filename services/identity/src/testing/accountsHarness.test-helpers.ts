import { type MessageMeta, unseal } from '@ledgerline/contracts';
import { migrateService } from '@ledgerline/eventsourcing';
import { dropServiceSchemas, infrastructure, testPool, uniqueServiceName } from '@ledgerline/testing';
import type pg from 'pg';
import { accountStreamId } from '../accounts/account.js';
import { type AccountsDeps, accountsDeps } from '../accounts/accountsDeps.js';
import { loadIdentityConfig } from '../config.js';
import { createInfrastructure, type IdentityInfrastructure } from '../infrastructure/infrastructure.js';
import { migrationsDir } from '../infrastructure/paths.js';
import { inlineProjections } from '../projections.js';

/** A migrated, unique identity schema with the accounts use cases over it and a movable clock. */
export interface AccountsHarness {
  infra: IdentityInfrastructure;
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
  const service = uniqueServiceName(prefix);
  const { databaseUrl } = await infrastructure();
  const pool: pg.Pool = await testPool();
  // Cheap argon2 parameters: the tests exercise flows, not hashing cost.
  const config = loadIdentityConfig({
    NODE_ENV: 'test',
    DATABASE_URL: databaseUrl,
    IDENTITY_SCHEMA_SERVICE: service,
    ARGON2_MEMORY_KIB: '8192',
    ARGON2_TIME_COST: '1',
  });
  await migrateService(pool, service, migrationsDir());
  const infra = createInfrastructure(config, { projections: inlineProjections, pool });
  let now: Date | undefined;
  const deps = accountsDeps(infra, () => now ?? new Date());
  return {
    infra,
    deps,
    setNow: (iso) => {
      now = new Date(iso);
    },
    async sealedTokenOf(userId, type) {
      const events = await infra.store.readStream(accountStreamId(userId));
      const event = events.filter((e) => e.type === type).at(-1);
      if (!event) throw new Error(`no ${type} on ${userId}`);
      return unseal(config.MESSAGE_SEAL_KEY, (event.data as { sealedToken: string }).sealedToken, type);
    },
    async close() {
      await infra.close();
      await dropServiceSchemas(pool, service);
      await pool.end();
    },
  };
}
