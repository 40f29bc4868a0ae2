import {
  type EventDataOf,
  type EventEnvelope,
  emailVerificationRequestedEvent,
  mfaDisabledEvent,
  mfaEnabledEvent,
  passwordChangedEvent,
  passwordResetRequestedEvent,
  sessionRevokedEvent,
  signInCodeRequestedEvent,
  unseal,
} from '@ledgerline/contracts';
import type { TemplateDataMap, TemplateName } from '../templates/template.js';

const templateByType: Readonly<Record<string, TemplateName>> = {
  [emailVerificationRequestedEvent.type]: 'verifyEmail',
  [signInCodeRequestedEvent.type]: 'signInCode',
  [passwordResetRequestedEvent.type]: 'resetPassword',
  [passwordChangedEvent.type]: 'passwordChanged',
  [mfaEnabledEvent.type]: 'mfaEnabled',
  [mfaDisabledEvent.type]: 'mfaDisabled',
  [sessionRevokedEvent.type]: 'sessionsRevoked',
};

/** The identity events the notifier e-mails about (others on `evt.identity.>` are skipped). */
export const mailedEventTypes: readonly string[] = Object.keys(templateByType);

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
    default:
      return null;
  }
}
