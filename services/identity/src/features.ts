import type { Projection } from '@ledgerline/eventsourcing';
import { AccountsModule } from './accounts/accountsModule.js';
import { accountsProjections } from './accounts/accountsProjections.js';
import { sessionsProjections } from './sessions/auth.js';
import { AuthModule } from './sessions/authModule.js';

// What identity is made of. Each feature adds its Nest module and its projections here, one line
// each, and touches nothing else in the wiring.

/** Nest modules the root module imports. */
export const featureModules = [AccountsModule, AuthModule];

/** Inline projections: run in the append transaction (read-your-writes). */
export const inlineProjections: readonly Projection[] = [...accountsProjections, ...sessionsProjections];

/** Async projections: catch-up subscriptions started by main, one active instance each. */
export const asyncProjections: readonly Projection[] = [];
