// The public surface of the billing package: its definition (tests, e2e, tooling) and reconciliation (ops CLI).

export type { BillingDeps } from './billingDeps.js';
export { billingConfig, DEFAULT_PLANS_FILE } from './config.js';
export { loadPlanFile, type PlanCatalog } from './plans/planCatalog.js';
export {
  type Correction,
  formatReport,
  type ReconcileReport,
  reconcile,
} from './reconciliation/reconcile.js';
export { reconcileOnce, type StandaloneOptions } from './reconciliation/standalone.js';
export { type BillingConfig, default as billingService, subscriptions } from './service.js';
export { createStripeClient } from './stripe/stripeClient.js';
