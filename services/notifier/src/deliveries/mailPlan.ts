import {
  duplicateSignUpAttemptedEvent,
  type EventDataOf,
  type EventEnvelope,
  emailVerificationRequestedEvent,
  mfaDisabledEvent,
  mfaEnabledEvent,
  passwordChangedEvent,
  passwordResetRequestedEvent,
  paymentFailedEvent,
  paymentRecoveredEvent,
  sessionRevokedEvent,
  signInCodeRequestedEvent,
  subscriptionCancelScheduledEvent,
  trialEndingEvent,
  unseal,
} from '@ledgerline/contracts';
import type { TemplateDataMap, TemplateName } from '../templates/template.js';

// Identity's account mails and billing's dunning mails, by the event that calls for them.
const mailed = [
  [emailVerificationRequestedEvent, 'verifyEmail'],
  [signInCodeRequestedEvent, 'signInCode'],
  [passwordResetRequestedEvent, 'resetPassword'],
  [passwordChangedEvent, 'passwordChanged'],
  [mfaEnabledEvent, 'mfaEnabled'],
  [mfaDisabledEvent, 'mfaDisabled'],
  [sessionRevokedEvent, 'sessionsRevoked'],
  [duplicateSignUpAttemptedEvent, 'duplicateSignUp'],
  [paymentFailedEvent, 'paymentFailed'],
  [paymentRecoveredEvent, 'paymentRecovered'],
  [trialEndingEvent, 'trialEnding'],
  [subscriptionCancelScheduledEvent, 'subscriptionCancelScheduled'],
] as const satisfies readonly (readonly [{ type: string; subject: string }, TemplateName])[];

const templateByType: Readonly<Record<string, TemplateName>> = Object.fromEntries(
  mailed.map(([event, template]) => [event.type, template]),
);

/** The event types the notifier e-mails about. */
export const mailedEventTypes: readonly string[] = Object.keys(templateByType);

/** The subjects of those events on JetStream `EVENTS` (others the consumer sees are skipped). */
export const mailedSubjects: readonly string[] = mailed.map(([event]) => event.subject);

/** An amount in minor units as the recipient reads it (`€12.00`, `¥1,200`): digits per currency. */
export function moneyLabel(minorUnits: number, currency: string, locale: string): string {
  const format = (loc: string) =>
    new Intl.NumberFormat(loc, { style: 'currency', currency: currency.toUpperCase() });
  let formatter: Intl.NumberFormat;
  try {
    formatter = format(locale);
  } catch {
    formatter = format('en');
  }
  const digits = formatter.resolvedOptions().maximumFractionDigits ?? 2;
  return formatter.format(minorUnits / 10 ** digits);
}

/** One e-mail to send for a source event: which template, to whom, with what data. */
export interface MailPlan<Name extends TemplateName = TemplateName> {
  template: Name;
  to: string;
  locale: string;
  data: TemplateDataMap[Name];
}

export interface PlanOptions {
  sealKey: string;
  publicUrl: string;
}

// PUBLIC_URL may carry a path prefix (https://example.com/app), which `new URL('/x', base)` would drop.
const linkTo = (publicUrl: string, path: string, token: string): string =>
  `${publicUrl.replace(/\/+$/, '')}/${path}?token=${encodeURIComponent(token)}`;

/** Which template an event calls for and its recipient, or null when nothing is sent; never unseals. */
export function targetOf(event: EventEnvelope): { template: TemplateName; to: string } | null {
  const data = event.data as { email?: unknown; sessionId?: unknown };
  const template = templateByType[event.type];
  if (!template || typeof data.email !== 'string') return null;
  // One ended session is routine (a logout); only "every session ended" is worth an e-mail.
  if (event.type === sessionRevokedEvent.type && data.sessionId !== null) return null;
  return { template, to: data.email };
}

/**
 * What to e-mail for an event whose data its contract already parsed, or null when nothing is sent
 * (a single revoked session). Opens sealed tokens and codes with the seal key (throws
 * ValidationError when they cannot be opened: a permanent failure, not worth a retry).
 */
export function planMail(event: EventEnvelope, options: PlanOptions): MailPlan | null {
  const plan = <Name extends TemplateName>(
    template: Name,
    recipient: { email: string; locale: string },
    data: TemplateDataMap[Name],
  ): MailPlan => ({ template, to: recipient.email, locale: recipient.locale, data }) as MailPlan;
  const open = (sealed: string) => unseal(options.sealKey, sealed, event.type);
  switch (event.type) {
    case emailVerificationRequestedEvent.type: {
      const d = event.data as EventDataOf<typeof emailVerificationRequestedEvent>;
      const link = linkTo(options.publicUrl, 'verify-email', open(d.sealedToken));
      return plan('verifyEmail', d, { displayName: d.displayName, link, expiresAt: d.expiresAt });
    }
    case signInCodeRequestedEvent.type: {
      const d = event.data as EventDataOf<typeof signInCodeRequestedEvent>;
      return plan('signInCode', d, {
        displayName: d.displayName,
        code: open(d.sealedCode),
        expiresAt: d.expiresAt,
      });
    }
    case passwordResetRequestedEvent.type: {
      const d = event.data as EventDataOf<typeof passwordResetRequestedEvent>;
      const link = linkTo(options.publicUrl, 'reset-password', open(d.sealedToken));
      return plan('resetPassword', d, { displayName: d.displayName, link, expiresAt: d.expiresAt });
    }
    case passwordChangedEvent.type: {
      const d = event.data as EventDataOf<typeof passwordChangedEvent>;
      return plan('passwordChanged', d, { displayName: d.displayName, at: d.changedAt, reason: d.reason });
    }
    case mfaEnabledEvent.type: {
      const d = event.data as EventDataOf<typeof mfaEnabledEvent>;
      return plan('mfaEnabled', d, { displayName: d.displayName, at: d.enabledAt });
    }
    case mfaDisabledEvent.type: {
      const d = event.data as EventDataOf<typeof mfaDisabledEvent>;
      return plan('mfaDisabled', d, { displayName: d.displayName, at: d.disabledAt });
    }
    case sessionRevokedEvent.type: {
      const d = event.data as EventDataOf<typeof sessionRevokedEvent>;
      if (targetOf(event) === null) return null;
      return plan('sessionsRevoked', d, { displayName: d.displayName, at: d.revokedAt, reason: d.reason });
    }
    case duplicateSignUpAttemptedEvent.type: {
      const d = event.data as EventDataOf<typeof duplicateSignUpAttemptedEvent>;
      return plan('duplicateSignUp', d, { displayName: d.displayName, at: d.attemptedAt });
    }
    case paymentFailedEvent.type: {
      const d = event.data as EventDataOf<typeof paymentFailedEvent>;
      return plan('paymentFailed', d, {
        displayName: d.displayName,
        amountLabel: moneyLabel(d.amountDue, d.currency, d.locale),
        portalUrl: d.portalUrl,
        graceUntil: d.graceUntil,
      });
    }
    case paymentRecoveredEvent.type: {
      const d = event.data as EventDataOf<typeof paymentRecoveredEvent>;
      const amountLabel = moneyLabel(d.amountPaid, d.currency, d.locale);
      return plan('paymentRecovered', d, { displayName: d.displayName, amountLabel });
    }
    case trialEndingEvent.type: {
      const d = event.data as EventDataOf<typeof trialEndingEvent>;
      return plan('trialEnding', d, {
        displayName: d.displayName,
        planName: d.planName,
        trialEnd: d.trialEnd,
      });
    }
    case subscriptionCancelScheduledEvent.type: {
      const d = event.data as EventDataOf<typeof subscriptionCancelScheduledEvent>;
      return plan('subscriptionCancelScheduled', d, { displayName: d.displayName, endsAt: d.endsAt });
    }
    default:
      return null;
  }
}
