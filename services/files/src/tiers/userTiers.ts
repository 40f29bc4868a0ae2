import type { Tier } from '@ledgerline/contracts';
import type { ConsumerContext } from '@ledgerline/eventsourcing';
import { NotifiedCache, notifyChanged, quoteIdent, rowsByKeys } from '@ledgerline/eventsourcing';
import type pg from 'pg';
import type { ReadModels } from '../filesDeps.js';

// The files service's own read model of each user's tier and activation, fed by identity's public
// events through a durable consumer (not the access token's claim, which can be 15 minutes old).

export interface UserTier {
  tier: Tier;
  active: boolean;
}

/** A user files has not heard of has the default tier. */
export const DEFAULT_USER_TIER: UserTier = { tier: 'free', active: true };

/** The user's tier and activation, for queries and verification (Prisma). */
export async function userTierOf(readModels: ReadModels, userId: string): Promise<UserTier> {
  const row = await readModels.userTier.findUnique({
    where: { id: userId },
    select: { tier: true, active: true },
  });
  // The column holds what applyIdentityEvent wrote from a contract-typed event: a Tier.
  return row ? { tier: row.tier as Tier, active: row.active } : DEFAULT_USER_TIER;
}

/** The channel the tier consumer announces a changed user on (its read model's schema). */
export const tierChangesChannel = (readModel: string): string => `${readModel}_user_tiers`;

/**
 * The same lookup for POST /files/uploads, answered from memory while this process hears of every
 * change (the consumer announces each one in its transaction; see NotifiedCache): the write side
 * read the table once per request before, ~12% of the request's CPU. Misses are plain statements
 * on the runtime's pool, concurrent ones sharing one read.
 */
export class UploadTiers {
  private readonly cache: NotifiedCache<UserTier>;

  constructor(db: pg.Pool, readModel: string) {
    this.cache = new NotifiedCache<UserTier>({
      pool: db,
      channel: tierChangesChannel(readModel),
      async load(userIds) {
        const { rows } = await db.query<UserTier & { id: string }>(
          `SELECT k.key::text AS id, (l.t).tier, (l.t).active
           FROM ${rowsByKeys(`${quoteIdent(readModel)}."user_tiers"`, 'id', '$1::uuid[]')}`,
          [userIds],
        );
        return new Map(rows.map(({ id, tier, active }) => [id, { tier, active }]));
      },
    });
  }

  async of(userId: string): Promise<UserTier> {
    return (await this.cache.get(userId)) ?? DEFAULT_USER_TIER;
  }

  close(): Promise<void> {
    return this.cache.close();
  }
}

/** Applies one identity event in the consumer's inbox transaction. */
export async function applyIdentityEvent(readModel: string, ctx: ConsumerContext): Promise<void> {
  const { event, client } = ctx;
  const data = event.data as { userId: string; tier?: Tier };
  const table = `${quoteIdent(readModel)}."user_tiers"`;
  const change: Partial<UserTier> | undefined =
    event.type === 'UserTierChanged'
      ? { tier: data.tier }
      : event.type === 'UserDeactivated'
        ? { active: false }
        : event.type === 'UserReactivated'
          ? { active: true }
          : event.type === 'UserRegistered'
            ? {}
            : undefined;
  if (change === undefined) return;
  await client.query(
    `INSERT INTO ${table} (id, tier, active, "updatedAt") VALUES ($1, $2, $3, $4)
     ON CONFLICT (id) DO UPDATE SET
       tier = COALESCE($5, ${table}.tier), active = COALESCE($6, ${table}.active), "updatedAt" = $4`,
    [
      data.userId,
      change.tier ?? DEFAULT_USER_TIER.tier,
      change.active ?? DEFAULT_USER_TIER.active,
      event.occurredAt,
      change.tier ?? null,
      change.active ?? null,
    ],
  );
  // Every process's UploadTiers forgets the user when this transaction commits.
  await notifyChanged(client, tierChangesChannel(readModel), data.userId);
}
