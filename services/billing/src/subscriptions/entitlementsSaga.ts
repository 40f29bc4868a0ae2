import {
  changeUserTierCommand,
  type EventDataOf,
  type entitlementsChangedEvent,
  expireGraceCommand,
  type gracePeriodStartedEvent,
} from '@ledgerline/contracts';
import type { SagaDecision, SagaDefinition, SagaInput } from '@ledgerline/eventsourcing';

const RETRYABLE = new Set(['UNAVAILABLE', 'TIMEOUT']);
const GRACE_EXPIRED = 'GraceExpired';

/**
 * Billing's process manager, one instance per user:
 * - EntitlementsChanged → identity's ChangeUserTier (the runtime's outbox sends it after the commit,
 *   idempotency key `<event id>:0`; identity ignores a tier the user already has, so a resend after
 *   a crash changes the tier once);
 * - GracePeriodStarted → a scheduled message at its end → billing's own ExpireGrace.
 * A command that found nobody (identity down) is sent again until it is answered.
 */
interface SagaState {
  /** The tier last asked of identity: a failed older request is not resent over a newer one. */
  requestedTier: string | null;
}
type SagaEvent = { type: 'TierRequested'; data: { tier: string } };

export const entitlementsSaga: SagaDefinition<SagaState, SagaEvent> = {
  name: 'billing-entitlements',
  startedBy: ['EntitlementsChanged', 'GracePeriodStarted'],
  correlationId: (event) => (event.data as { userId?: string }).userId,
  // Users are independent: eight users' tier changes wait on identity at once (one user's in order).
  commandConcurrency: 8,
  initialState: () => ({ requestedTier: null }),
  evolve: (state, event) => (event.type === 'TierRequested' ? { requestedTier: event.data.tier } : state),
  decide: (input: SagaInput, state): SagaDecision<SagaEvent> => {
    if (input.kind === 'event' && input.event.type === 'EntitlementsChanged') {
      const { userId, tier } = input.event.data as EventDataOf<typeof entitlementsChangedEvent>;
      return {
        events: [{ type: 'TierRequested', data: { tier } }],
        commands: [{ subject: changeUserTierCommand.subject, payload: { userId, tier } }],
      };
    }
    if (input.kind === 'event' && input.event.type === 'GracePeriodStarted') {
      const { userId, graceUntil } = input.event.data as EventDataOf<typeof gracePeriodStartedEvent>;
      return {
        schedule: [{ type: GRACE_EXPIRED, dueAt: new Date(graceUntil), payload: { userId, graceUntil } }],
      };
    }
    if (input.kind === 'timeout' && input.type === GRACE_EXPIRED) {
      return { commands: [{ subject: expireGraceCommand.subject, payload: input.payload }] };
    }
    if (input.kind === 'commandFailed' && RETRYABLE.has(input.error.code)) {
      const tier = (input.command.payload as { tier?: string }).tier;
      const stale = input.command.subject === changeUserTierCommand.subject && tier !== state.requestedTier;
      return stale ? {} : { commands: [input.command] };
    }
    return {};
  },
};
