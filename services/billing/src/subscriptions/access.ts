import type { Entitlements, SubscriptionStatus, Tier } from '@ledgerline/contracts';
import type { PlanCatalog } from '../plans/planCatalog.js';

/** What a status grants: the plan's tier, the plan's tier until the grace period ends, or nothing. */
export type AccessRule = 'grant' | 'grace' | 'deny';

/** The explicit status → access table (issue 10). */
export const STATUS_ACCESS: Readonly<Record<SubscriptionStatus, AccessRule>> = Object.freeze({
  trialing: 'grant',
  active: 'grant',
  past_due: 'grace',
  incomplete: 'deny',
  incomplete_expired: 'deny',
  canceled: 'deny',
  unpaid: 'deny',
  paused: 'deny',
  none: 'deny',
});

/** What identity and the gateway act on; EntitlementsChanged is published when it changes. */
export interface Access {
  tier: Tier;
  entitlements: Entitlements;
  subscriptionStatus: SubscriptionStatus;
  planId: string | null;
}

export interface AccessInput {
  status: SubscriptionStatus;
  planId: string | null;
  /** Past due only: the end of the grace period, and whether its scheduled expiry already ran. */
  grace: { until: string; expired: boolean } | null;
}

/** Applies the table: past_due keeps the plan while `now` is inside an unexpired grace period. */
export const accessFor = (input: AccessInput, plans: PlanCatalog, now: Date): Access => {
  const rule = STATUS_ACCESS[input.status];
  const plan = input.planId ? plans.byId(input.planId) : undefined;
  const inGrace =
    rule === 'grace' &&
    input.grace !== null &&
    !input.grace.expired &&
    now.getTime() < Date.parse(input.grace.until);
  if (plan && (rule === 'grant' || inGrace)) {
    return {
      tier: plan.tier,
      entitlements: plan.entitlements,
      subscriptionStatus: input.status,
      planId: plan.planId,
    };
  }
  return { ...plans.free, subscriptionStatus: input.status, planId: input.planId };
};

/** Structural equality of two access values (entitlements compared key by key). */
export const sameAccess = (a: Access, b: Access): boolean =>
  a.tier === b.tier &&
  a.subscriptionStatus === b.subscriptionStatus &&
  a.planId === b.planId &&
  JSON.stringify(Object.entries(a.entitlements).sort()) ===
    JSON.stringify(Object.entries(b.entitlements).sort());
