import type { sessionRevokedReasonSchema } from '@ledgerline/contracts';
import type { z } from 'zod';

/** Why every session of a user ended (identity's SessionRevoked reason). */
export type SessionsRevokedReason = z.output<typeof sessionRevokedReasonSchema>;

/** What every template gets besides its own fields. */
interface Common {
  /** The recipient's display name, as the user typed it (escaped in HTML like every value). */
  displayName: string;
}

/** The data of each e-mail kind, by template name. */
export interface TemplateDataMap {
  verifyEmail: Common & { link: string; expiresAt: string };
  signInCode: Common & { code: string; expiresAt: string };
  resetPassword: Common & { link: string; expiresAt: string };
  passwordChanged: Common & { at: string; reason: 'changed' | 'reset' };
  mfaEnabled: Common & { at: string };
  mfaDisabled: Common & { at: string };
  sessionsRevoked: Common & { at: string; reason: SessionsRevokedReason };
  duplicateSignUp: Common & { at: string };
  paymentFailed: Common & { amountLabel: string; portalUrl: string | null; graceUntil: string | null };
  paymentRecovered: Common & { amountLabel: string };
  trialEnding: Common & { planName: string; trialEnd: string };
  subscriptionCancelScheduled: Common & { endsAt: string | null };
}

export type TemplateName = keyof TemplateDataMap;

/** Helpers a template body can call (`it.date(...)`), bound to the recipient's locale. */
export interface TemplateHelpers {
  /** An ISO timestamp as a readable date and time in the recipient's locale (UTC). */
  date(iso: string): string;
  /** Why every session ended, in words (sessionsRevoked). */
  reasons: Readonly<Record<SessionsRevokedReason, string>>;
}

/**
 * One e-mail kind in one language: a subject and two Eta bodies (`it` = data + helpers). The HTML
 * body is escaped by default (`<%= %>`); the text body is plain text and is not.
 */
export interface EmailTemplate<Name extends TemplateName> {
  subject(data: TemplateDataMap[Name]): string;
  html: string;
  text: string;
}

/** A template per supported locale; `en` is the fallback every kind must have. */
export type LocalizedTemplate<Name extends TemplateName> = { en: EmailTemplate<Name> } & Partial<
  Record<string, EmailTemplate<Name>>
>;
