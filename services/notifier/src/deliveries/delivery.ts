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
  | ({ status: 'pending'; lastError?: string } & Requested)
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
    case 'DeliverySent':
      if (state.status !== 'pending') return state;
      return {
        ...state,
        status: 'sent',
        attempts: event.data.attempt,
        smtpMessageId: event.data.smtpMessageId,
      };
    case 'DeliveryFailed':
      if (state.status !== 'pending') return state;
      return { ...state, attempts: event.data.attempt, lastError: event.data.error };
    case 'DeliveryRetryScheduled':
      return state;
    case 'DeliveryDeadLettered': {
      if (state.status !== 'pending') return state;
      const { lastError: _lastError, ...requested } = state;
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
