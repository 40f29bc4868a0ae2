import type { BillingDeps } from '../billingDeps.js';
import { billingMeta } from '../subscriptions/accounts.js';
import { applySubscription } from '../subscriptions/sync.js';

export interface Correction {
  userId: string;
  subscriptionId: string;
  /** What differed (`subscription` when billing did not know it at all), and the events applied. */
  drift: string[];
  events: string[];
}

export interface ReconcileReport {
  customers: number;
  subscriptions: number;
  corrections: Correction[];
}

/**
 * Lists the Stripe subscriptions of every known customer and applies Stripe's state where
 * billing's differs (ReconciledFromStripe): what repairs webhooks that never arrived.
 */
export async function reconcile(deps: BillingDeps): Promise<ReconcileReport> {
  const rows = await deps.readModels.billingAccount.findMany({
    select: { id: true, customerId: true },
    orderBy: { id: 'asc' },
  });
  const report: ReconcileReport = { customers: rows.length, subscriptions: 0, corrections: [] };
  const meta = billingMeta();
  for (const { id: userId, customerId } of rows) {
    // Oldest first, so the newest live subscription is the one the account ends up following.
    const subscriptions = [];
    for await (const subscription of deps.stripe.subscriptions.list({
      customer: customerId,
      status: 'all',
      limit: 100,
    })) {
      subscriptions.push(subscription);
    }
    subscriptions.sort((a, b) => a.created - b.created);
    for (const subscription of subscriptions) {
      report.subscriptions++;
      const applied = await applySubscription(deps, subscription, 'reconcile', { userId, meta });
      const events = applied?.result.events ?? [];
      const reconciled = events.find((e) => e.type === 'ReconciledFromStripe');
      if (reconciled) {
        const drift = (reconciled.data as { drift: string[] }).drift;
        report.corrections.push({
          userId,
          subscriptionId: subscription.id,
          drift,
          events: events.map((e) => e.type),
        });
      }
    }
  }
  return report;
}

/** One line per corrected subscription, then the count (what `ops billing reconcile` prints). */
export const formatReport = (report: ReconcileReport): string[] => [
  ...report.corrections.map(
    (c) => `corrected ${c.subscriptionId} (user ${c.userId}): ${c.drift.join(', ')} → ${c.events.join(', ')}`,
  ),
  `${report.corrections.length} corrected of ${report.subscriptions} subscriptions (${report.customers} customers)`,
];
