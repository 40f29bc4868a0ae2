import { readFileSync } from 'node:fs';
import {
  type BillingInterval,
  type Entitlements,
  type Plan,
  plansSchema,
  type Tier,
} from '@ledgerline/contracts';

/** Plans by id and by Stripe price, and what a user without a subscription gets. */
export interface PlanCatalog {
  readonly plans: readonly Plan[];
  byId(planId: string): Plan | undefined;
  byPrice(priceId: string): { plan: Plan; interval: BillingInterval } | undefined;
  /** The free tier's entitlements (the plan whose tier is `free`, else none). */
  readonly free: { tier: Tier; entitlements: Entitlements };
}

export const planCatalog = (plans: readonly Plan[]): PlanCatalog => {
  const prices = new Map<string, { plan: Plan; interval: BillingInterval }>();
  for (const plan of plans)
    for (const price of plan.prices) prices.set(price.stripePriceId, { plan, interval: price.interval });
  const freePlan = plans.find((p) => p.tier === 'free');
  return {
    plans,
    byId: (planId) => plans.find((p) => p.planId === planId),
    byPrice: (priceId) => prices.get(priceId),
    free: { tier: 'free', entitlements: freePlan?.entitlements ?? {} },
  };
};

/** Reads and validates BILLING_PLANS (a JSON array in the shape GET /billing/plans returns). */
export const loadPlanFile = (path: string): PlanCatalog => {
  const parsed = plansSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success) throw new Error(`BILLING_PLANS ${path}: ${parsed.error.message}`);
  return planCatalog(parsed.data);
};
