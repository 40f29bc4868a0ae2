import type Stripe from 'stripe';
import type { BillingDeps } from '../billingDeps.js';
import { loadAccount } from './accounts.js';

const iso = (seconds: number) => new Date(seconds * 1000).toISOString();

const viewOf = (invoice: Stripe.Invoice) => ({
  id: invoice.id ?? '',
  number: invoice.number ?? null,
  status: invoice.status ?? null,
  amountDue: invoice.amount_due,
  amountPaid: invoice.amount_paid,
  currency: invoice.currency,
  hostedInvoiceUrl: invoice.hosted_invoice_url ?? null,
  periodStart: iso(invoice.period_start),
  periodEnd: iso(invoice.period_end),
  createdAt: iso(invoice.created),
});

/** The caller's invoices from Stripe (the source of truth), newest first; the cursor is Stripe's. */
export async function listInvoices(
  deps: BillingDeps,
  userId: string,
  page: { limit: number; cursor?: string | undefined },
) {
  const account = await loadAccount(deps, userId);
  if (!account.customerId) return { items: [], nextCursor: null };
  const list = await deps.stripe.invoices.list({
    customer: account.customerId,
    limit: page.limit,
    ...(page.cursor ? { starting_after: page.cursor } : {}),
  });
  const items = list.data.map(viewOf);
  return { items, nextCursor: list.has_more ? (items.at(-1)?.id ?? null) : null };
}
