import { IllegalStateError } from '@ledgerline/contracts';
import type { Decider } from '@ledgerline/eventsourcing';
import type { TemplateName } from '../templates/template.js';
import { claimRemainingMs, type Delivery, type DeliveryEvent, evolve, initialState } from './delivery.js';

export type DeliveryCommand =
  | {
      type: 'RequestDelivery';
      data: { messageId: string; sourceType: string; template: TemplateName; to: string };
    }
  /** Takes the next attempt for `leaseMs`; refused while another worker's claim runs. */
  | { type: 'ClaimAttempt'; data: { leaseMs: number } }
  | { type: 'RecordSent'; data: { smtpMessageId: string } }
  /** `permanent`: retrying cannot help (a 5xx reply, a token that cannot be opened). */
  | { type: 'RecordFailure'; data: { error: string; permanent: boolean } };

/** Time and the retry policy, passed in so every rule is testable without a clock or config. */
export interface DeliveryContext {
  now: Date;
  maxAttempts: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
}

// Error texts come from SMTP servers and libraries; bounded so a chatty server cannot bloat the log.
const MAX_ERROR_LENGTH = 500;

/** The backoff ceiling after failed attempt `attempt` (1-based): base, 2·base, 4·base, … capped at max. */
export const retryBackoffMs = (attempt: number, baseMs: number, maxMs: number): number =>
  Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));

function pending(state: Delivery, action: string): Extract<Delivery, { status: 'pending' }> {
  if (state.status === 'pending') return state;
  if (state.status === 'none')
    throw new IllegalStateError(`cannot ${action}: the delivery was never requested`);
  throw new IllegalStateError(`cannot ${action}: the delivery is already ${state.status}`);
}

/** Decides what one delivery step records; throws IllegalStateError when the delivery is closed. */
export const decide = (command: DeliveryCommand, state: Delivery, ctx: DeliveryContext): DeliveryEvent[] => {
  const at = ctx.now.toISOString();
  switch (command.type) {
    case 'RequestDelivery':
      // A redelivered source message finds its stream and records nothing new.
      if (state.status !== 'none') return [];
      return [{ type: 'DeliveryRequested', data: { ...command.data, requestedAt: at } }];
    case 'ClaimAttempt': {
      const current = pending(state, 'claim an attempt');
      if (claimRemainingMs(current, ctx.now) > 0)
        throw new IllegalStateError('cannot claim an attempt: another worker holds the delivery');
      const claimedUntil = new Date(ctx.now.getTime() + command.data.leaseMs).toISOString();
      return [
        { type: 'DeliveryClaimed', data: { attempt: current.attempts + 1, claimedUntil, claimedAt: at } },
      ];
    }
    case 'RecordSent': {
      const current = pending(state, 'record a send');
      const attempt = current.attempts + 1;
      return [
        { type: 'DeliverySent', data: { attempt, smtpMessageId: command.data.smtpMessageId, sentAt: at } },
      ];
    }
    case 'RecordFailure': {
      const current = pending(state, 'record a failure');
      const attempt = current.attempts + 1;
      const error = command.data.error.slice(0, MAX_ERROR_LENGTH);
      const failed: DeliveryEvent = {
        type: 'DeliveryFailed',
        data: { attempt, error, permanent: command.data.permanent, failedAt: at },
      };
      if (command.data.permanent || attempt >= ctx.maxAttempts) {
        const reason = command.data.permanent
          ? `permanent failure: ${error}`
          : `gave up after ${attempt} attempts: ${error}`;
        return [
          failed,
          { type: 'DeliveryDeadLettered', data: { attempts: attempt, reason, deadLetteredAt: at } },
        ];
      }
      const backoffMs = retryBackoffMs(attempt, ctx.backoffBaseMs, ctx.backoffMaxMs);
      return [
        failed,
        { type: 'DeliveryRetryScheduled', data: { nextAttempt: attempt + 1, backoffMs, scheduledAt: at } },
      ];
    }
    default: {
      const unknown: never = command;
      throw new Error(`unknown delivery command ${JSON.stringify(unknown)}`);
    }
  }
};

/** The delivery aggregate as a kernel decider. */
export const deliveryDecider: Decider<DeliveryCommand, DeliveryEvent, Delivery, DeliveryContext> = {
  decide,
  evolve,
  initialState,
};
