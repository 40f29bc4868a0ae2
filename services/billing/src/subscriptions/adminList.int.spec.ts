import { randomUUID } from 'node:crypto';
import { inlineProjections, migrateService, PostgresEventStore, schemasOf } from '@ledgerline/eventsourcing';
import { prismaReadModels } from '@ledgerline/platform/prisma';
import { dropServiceSchemas, testPool, uniqueServiceName } from '@ledgerline/testing';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrismaClient } from '../generated/prisma/client.js';
import billing from '../service.js';
import { type AccountsRequest, listAccounts } from './adminList.js';
import { type BillingEvent, billingStreamId, type SubscriptionSnapshot } from './billingAccount.js';
import { billingAccountsProjection } from './projections/billingAccounts.js';

const CUSTOMERS = 12;
const schema = uniqueServiceName('billinglist');
let pool: pg.Pool;
let store: PostgresEventStore;
let readModels: PrismaClient;
const ids: string[] = [];

const snapshot = (
  i: number,
  planId: string,
  status: SubscriptionSnapshot['status'],
): SubscriptionSnapshot => ({
  subscriptionId: `sub_${i}`,
  customerId: `cus_${i}`,
  status,
  priceId: `price_${planId}`,
  planId,
  interval: 'month',
  currentPeriodEnd: '2026-04-01T00:00:00.000Z',
  cancelAtPeriodEnd: false,
  trialEnd: status === 'trialing' ? '2026-03-15T12:30:00.000Z' : null,
  createdAt: '2026-03-01T00:00:00.000Z',
});

/** Customer i: 0–4 active on pro, 5–7 trialing on enterprise, the rest without a subscription. */
function eventsOf(i: number, userId: string): BillingEvent[] {
  const registered: BillingEvent = {
    type: 'CustomerRegistered',
    data: {
      userId,
      customerId: `cus_${i}`,
      registeredAt: '2026-03-01T00:00:00.000Z',
      email: `u${i}@list.example`,
      displayName: `U${i}`,
      locale: 'en',
    },
  };
  if (i >= 8) return [registered];
  const [planId, status] = i < 5 ? (['pro', 'active'] as const) : (['enterprise', 'trialing'] as const);
  return [
    registered,
    { type: 'SubscriptionStarted', data: { ...snapshot(i, planId, status), source: 'webhook' } },
    {
      type: 'EntitlementsChanged',
      data: {
        userId,
        tier: planId,
        entitlements: { seats: i + 1 },
        subscriptionStatus: status,
        planId,
        changedAt: '2026-03-01T00:00:00.000Z',
      },
    },
  ];
}

beforeAll(async () => {
  pool = await testPool();
  await migrateService(pool, schema, billing.readModelMigrationsDir);
  store = new PostgresEventStore({
    pool,
    service: schema,
    appendHooks: [inlineProjections(schema, [billingAccountsProjection])],
  });
  readModels = prismaReadModels(PrismaClient)(pool, schemasOf(schema).readModel);
  for (let i = 0; i < CUSTOMERS; i++) {
    const userId = randomUUID();
    ids.push(userId);
    await store.append(billingStreamId(userId), eventsOf(i, userId), { expectedVersion: 'no_stream' });
  }
  ids.sort();
}, 60_000);

afterAll(async () => {
  await store?.close();
  await readModels?.$disconnect();
  if (pool) {
    await dropServiceSchemas(pool, schema);
    await pool.end();
  }
});

async function walk(request: Omit<AccountsRequest, 'cursor'>) {
  const seen: string[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await listAccounts(readModels, { ...request, cursor });
    seen.push(...page.items.map((item) => item.userId));
    cursor = page.nextCursor ?? undefined;
    pages++;
  } while (cursor);
  return { seen, pages };
}

describe('admin subscription list through Prisma (real Postgres, rows written by the projection)', () => {
  it('pages every account once, in user-id order, by keyset', async () => {
    const { seen, pages } = await walk({ limit: 5 });
    expect(seen).toEqual(ids);
    expect(pages).toBe(3);
  });

  it('filters by status and by plan', async () => {
    const active = await walk({ status: 'active', limit: 2 });
    expect(active.seen).toHaveLength(5);
    const enterprise = await listAccounts(readModels, { planId: 'enterprise', limit: 50 });
    expect(enterprise.items).toHaveLength(3);
    expect(enterprise.nextCursor).toBeNull();
    expect(enterprise.items.every((item) => item.status === 'trialing' && item.tier === 'enterprise')).toBe(
      true,
    );
  });

  it('answers rows in the contract shape: ISO timestamps, parsed entitlements', async () => {
    const { items } = await listAccounts(readModels, { planId: 'enterprise', limit: 1 });
    expect(items[0]).toMatchObject({
      status: 'trialing',
      planId: 'enterprise',
      interval: 'month',
      currentPeriodEnd: '2026-04-01T00:00:00.000Z',
      trialEnd: '2026-03-15T12:30:00.000Z',
      cancelAtPeriodEnd: false,
    });
    expect(items[0]?.updatedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(Object.values(items[0]?.entitlements ?? {})).toHaveLength(1);
    const none = await listAccounts(readModels, { status: 'none', limit: 50 });
    expect(none.items).toHaveLength(4);
    expect(none.items[0]).toMatchObject({
      tier: 'free',
      entitlements: {},
      currentPeriodEnd: null,
      trialEnd: null,
    });
  });

  it('refuses a cursor that is not a user id with a VALIDATION error', async () => {
    await expect(listAccounts(readModels, { limit: 5, cursor: 'not-a-uuid' })).rejects.toMatchObject({
      code: 'VALIDATION',
    });
  });
});
