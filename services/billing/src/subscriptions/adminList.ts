import { ValidationError } from '@ledgerline/contracts';
import { quoteIdent, schemasOf } from '@ledgerline/eventsourcing';
import type { BillingDeps } from '../billingDeps.js';
import type { BillingAccountRow } from './projections/billingAccounts.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const iso = (value: string | Date | null): string | null =>
  value === null ? null : new Date(value).toISOString();

/** The admin subscription list: filter by status or plan, keyset pages by user id. */
export async function listAccounts(
  deps: BillingDeps,
  request: {
    status?: string | undefined;
    planId?: string | undefined;
    limit: number;
    cursor?: string | undefined;
  },
) {
  const table = `${quoteIdent(schemasOf(deps.schema).readModel)}."billing_accounts"`;
  const where: string[] = [];
  const values: unknown[] = [];
  const add = (sql: string, value: unknown) => {
    values.push(value);
    where.push(sql.replace('?', `$${values.length}`));
  };
  if (request.status) add('"status" = ?', request.status);
  if (request.planId) add('"planId" = ?', request.planId);
  if (request.cursor) {
    // The cursor is the last user id of the previous page.
    if (!UUID.test(request.cursor)) throw new ValidationError('invalid cursor', { cursor: request.cursor });
    add('"id" > ?::uuid', request.cursor);
  }
  values.push(request.limit + 1);
  const { rows } = await deps.pool.query<BillingAccountRow>(
    `SELECT * FROM ${table} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY "id" LIMIT $${values.length}`,
    values,
  );
  const page = rows.slice(0, request.limit);
  return {
    items: page.map((row) => ({
      userId: row.id,
      customerId: row.customerId,
      subscriptionId: row.subscriptionId,
      status: row.status as 'none',
      planId: row.planId,
      tier: row.tier as 'free',
      interval: (row.interval ?? null) as 'month' | null,
      currentPeriodEnd: iso(row.currentPeriodEnd),
      cancelAtPeriodEnd: row.cancelAtPeriodEnd,
      trialEnd: iso(row.trialEnd),
      entitlements: JSON.parse(row.entitlements) as Record<string, number>,
      updatedAt: iso(row.updatedAt) ?? new Date(0).toISOString(),
    })),
    nextCursor: rows.length > request.limit ? (page.at(-1)?.id ?? null) : null,
  };
}
