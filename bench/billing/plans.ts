import { readFileSync } from 'node:fs';
import type { SeedPlan } from '@ledgerline/testing';

/** The plans billing ships with (services/billing/config/plans.json), to seed the fake Stripe API. */
export const plans = (): SeedPlan[] =>
  JSON.parse(
    readFileSync(new URL('../../services/billing/config/plans.json', import.meta.url), 'utf8'),
  ) as SeedPlan[];
