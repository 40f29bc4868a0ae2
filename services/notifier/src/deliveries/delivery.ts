import type { TemplateName } from '../templates/template.js';

/** Stream of one e-mail: the idempotency key is (source message id, template). */
export const deliveryStreamId = (messageId: string, template: TemplateName): string =>
  `delivery-${messageId}-${template}`;

// Events store who and which template, never the rendered body: it holds tokens and codes.
export type DeliveryEvent =
  | {
      type: 'DeliveryRequested';
      data: {
        messageId: string;
        sourceType: string;
        template: TemplateName;
        to: string;
        requestedAt: string;
      };
    }
  | {
      type: 'DeliveryClaimed';
      /**
       * One worker took attempt `attempt` and holds it until `claimedUntil`: it commits this, then
       * talks SMTP with no transaction open, then records the outcome. Another worker that sees an
       * unexpired claim waits; an expired one (the claimant died) may be claimed again.
       */
      data: { attempt: number; claimedUntil: string; claimedAt: string };
    }
  | { type: 'DeliverySent'; data: { attempt: number; smtpMessageId: string; sentAt: string } }
  | { type: 'DeliveryFailed'; data: { attempt: number; error: string; permanent: boolean; failedAt: string } }
  | {
      type: 'DeliveryRetryScheduled';
      /** `backoffMs` is the ceiling of the wait before `nextAttempt` (the redelivery adds jitter). */
      data: { nextAttempt: number; backoffMs: number; scheduledAt: string };
    }
  | { type: 'DeliveryDeadLettered'; data: { attempts: number; reason: string; deadLetteredAt: string } };

export type DeliveryEventType = DeliveryEvent['type'];

interface Requested {
  messageId: string;
  template: TemplateName;
  to: string;
  /** SMTP attempts made so far (sent or failed). */
  attempts: number;
}

/** One e-mail's lifecycle; `sent` and `deadLettered` are final. */
export type Delivery =
  | { status: 'none' }
  | ({ status: 'pending'; lastError?: string; claimedUntil?: string } & Requested)
  | ({ status: 'sent'; smtpMessageId: string } & Requested)
  | ({ status: 'deadLettered'; reason: string } & Requested);

export const initialState = (): Delivery => ({ status: 'none' });

/** Folds one event into the state; events that do not fit the state leave it unchanged. */
export const evolve = (state: Delivery, event: DeliveryEvent): Delivery => {
  switch (event.type) {
    case 'DeliveryRequested': {
      const { messageId, template, to } = event.data;
      return { status: 'pending', messageId, template, to, attempts: 0 };
    }
    case 'DeliveryClaimed':
      if (state.status !== 'pending') return state;
      return { ...state, claimedUntil: event.data.claimedUntil };
    case 'DeliverySent': {
      if (state.status !== 'pending') return state;
      const { claimedUntil: _claim, ...rest } = state;
      return {
        ...rest,
        status: 'sent',
        attempts: event.data.attempt,
        smtpMessageId: event.data.smtpMessageId,
      };
    }
    case 'DeliveryFailed': {
      if (state.status !== 'pending') return state;
      const { claimedUntil: _claim, ...rest } = state;
      return { ...rest, attempts: event.data.attempt, lastError: event.data.error };
    }
    case 'DeliveryRetryScheduled':
      return state;
    case 'DeliveryDeadLettered': {
      if (state.status !== 'pending') return state;
      const { lastError: _lastError, claimedUntil: _claim, ...requested } = state;
      return { ...requested, status: 'deadLettered', reason: event.data.reason };
    }
    default: {
      const unknown: never = event;
      throw new Error(`unknown delivery event ${JSON.stringify(unknown)}`);
    }
  }
};

/** True when a (re)delivered source message may still lead to an SMTP attempt. */
export const isOpen = (state: Delivery): boolean => state.status === 'none' || state.status === 'pending';

/** Milliseconds until another worker's claim on the delivery expires (0: free to claim). */
export const claimRemainingMs = (state: Delivery, now: Date): number => {
  if (state.status !== 'pending' || state.claimedUntil === undefined) return 0;
  return Math.max(0, Date.parse(state.claimedUntil) - now.getTime());
};
