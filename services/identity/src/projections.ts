import type { Projection } from '@ledgerline/eventsourcing';
import { accountsProjections } from './accounts/accountsProjections.js';
import { sessionsListProjection } from './sessions/projections/sessionsList.js';

// Identity's read models, kept apart from the Nest wiring so the ops CLI and rebuild jobs can load
// them without starting (or importing) the service.

/** Inline projections: run in the append transaction (read-your-writes). */
export const inlineProjections: readonly Projection[] = [
  ...accountsProjections,
  sessionsListProjection as unknown as Projection,
];

/** Async projections: catch-up subscriptions started by main, one active instance each. */
export const asyncProjections: readonly Projection[] = [];
