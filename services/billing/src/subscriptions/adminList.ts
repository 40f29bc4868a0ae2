import {
  type BillingInterval,
  type Entitlements,
  type SubscriptionStatus,
  type Tier,
  ValidationError,
} from '@ledgerline/contracts';
import type { BillingAccount, Prisma } from '../generated/prisma/client.js';
import type { ReadModels } from '../service.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface AccountsRequest {
  status?: string | undefined;
  planId?: string | undefined;
  limit: number;
  /** The last user id of the previous page. */
  cursor?: string | undefined;
}

/** The filters, and the keyset after the cursor: rows strictly after its id, stable under inserts. */
function pageWhere(request: AccountsRequest): Prisma.BillingAccountWhereInput {
  const where: Prisma.BillingAccountWhereInput = {};
  if (request.status) where.status = request.status;
  if (request.planId) where.planId = request.planId;
  if (request.cursor) {
    // Checked here too: Postgres would reject a malformed uuid with an error, not an empty page.
    if (!UUID.test(request.cursor)) throw new ValidationError('invalid cursor', { cursor: request.cursor });
    where.id = { gt: request.cursor };
  }
  return where;
}

// The columns hold what the projection wrote from contract-typed events, so they are the contract's values.
const toAdminSubscription = (row: BillingAccount) => ({
  userId: row.id,
  customerId: row.customerId,
  subscriptionId: row.subscriptionId,
  status: row.status as SubscriptionStatus,
  planId: row.planId,
  tier: row.tier as Tier,
  interval: row.interval as BillingInterval | null,
  currentPeriodEnd: row.currentPeriodEnd?.toISOString() ?? null,
  cancelAtPeriodEnd: row.cancelAtPeriodEnd,
  trialEnd: row.trialEnd?.toISOString() ?? null,
  entitlements: JSON.parse(row.entitlements) as Entitlements,
  updatedAt: row.updatedAt.toISOString(),
});

/** The admin subscription list: filter by status or plan, keyset pages by user id. */
export async function listAccounts(readModels: ReadModels, request: AccountsRequest) {
  const rows = await readModels.billingAccount.findMany({
    where: pageWhere(request),
    orderBy: { id: 'asc' },
    take: request.limit + 1,
  });
  const page = rows.slice(0, request.limit);
  return {
    items: page.map(toAdminSubscription),
    nextCursor: rows.length > request.limit ? (page.at(-1)?.id ?? null) : null,
  };
}
