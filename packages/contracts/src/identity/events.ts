import { z } from 'zod';
import { defineEvent } from '../contract.js';
import {
  displayNameSchema,
  emailSchema,
  isoDateTime,
  localeSchema,
  roleSchema,
  tierSchema,
} from './common.js';
import { IDENTITY } from './registration.js';

// Secrets a notifier must e-mail (verification/reset tokens, sign-in codes) travel sealed:
// AES-256-GCM under MESSAGE_SEAL_KEY (see ../sealed.ts). The event store and JetStream keep only
// ciphertext, identity keeps only a hash, and the notifier opens it just to render the e-mail.
const sealedSchema = z.string().min(1);
const recipient = {
  userId: z.uuid(),
  email: emailSchema,
  displayName: displayNameSchema,
  locale: localeSchema,
};

const publicEvent = <D extends z.ZodType>(type: string, data: D, description: string) =>
  defineEvent({ service: IDENTITY, type, schemaVersion: 1, data, public: true, description });

export const emailVerificationRequestedEvent = publicEvent(
  'EmailVerificationRequested',
  z.object({ ...recipient, sealedToken: sealedSchema, expiresAt: isoDateTime }),
  'A verification e-mail should be sent (sealed single-use token, 24 h).',
);

export const signInCodeRequestedEvent = publicEvent(
  'SignInCodeRequested',
  z.object({ ...recipient, sealedCode: sealedSchema, expiresAt: isoDateTime }),
  'A sign-in code e-mail should be sent (sealed 6-digit code, 10 minutes).',
);

export const emailVerifiedEvent = publicEvent(
  'EmailVerified',
  z.object({ userId: z.uuid(), email: emailSchema, verifiedAt: isoDateTime }),
  'The user proved they own the e-mail address.',
);

export const passwordResetRequestedEvent = publicEvent(
  'PasswordResetRequested',
  z.object({ ...recipient, sealedToken: sealedSchema, expiresAt: isoDateTime }),
  'A password-reset e-mail should be sent (sealed single-use token, 30 minutes).',
);

export const passwordChangedEvent = publicEvent(
  'PasswordChanged',
  z.object({ ...recipient, changedAt: isoDateTime, reason: z.enum(['changed', 'reset']) }),
  'The password changed (security notice).',
);

export const mfaEnabledEvent = publicEvent(
  'MfaEnabled',
  z.object({ ...recipient, enabledAt: isoDateTime }),
  'TOTP was turned on (security notice).',
);

export const mfaDisabledEvent = publicEvent(
  'MfaDisabled',
  z.object({ ...recipient, disabledAt: isoDateTime }),
  'TOTP was turned off (security notice).',
);

export const sessionRevokedReasonSchema = z.enum([
  'logout',
  'logout_all',
  'revoked_by_user',
  'refresh_token_reuse',
  'password_changed',
  'password_reset',
  'deactivated',
]);

export const sessionRevokedEvent = publicEvent(
  'SessionRevoked',
  z.object({
    ...recipient,
    // null: every session of the user ended at once (logout everywhere, reset, reuse, deactivation).
    sessionId: z.uuid().nullable(),
    reason: sessionRevokedReasonSchema,
    revokedAt: isoDateTime,
  }),
  'One session, or all of a user’s sessions, ended.',
);

export const duplicateSignUpAttemptedEvent = publicEvent(
  'DuplicateSignUpAttempted',
  z.object({ ...recipient, attemptedAt: isoDateTime }),
  'Someone tried to register an account with an address that already has one (security notice to its owner).',
);

export const userDeactivatedEvent = publicEvent(
  'UserDeactivated',
  z.object({ userId: z.uuid(), email: emailSchema, deactivatedAt: isoDateTime, by: z.uuid().nullable() }),
  'The account was deactivated (soft delete).',
);

export const userReactivatedEvent = publicEvent(
  'UserReactivated',
  z.object({ userId: z.uuid(), reactivatedAt: isoDateTime, by: z.uuid().nullable() }),
  'A deactivated account was reactivated.',
);

export const userRoleChangedEvent = publicEvent(
  'UserRoleChanged',
  z.object({ userId: z.uuid(), role: roleSchema, changedAt: isoDateTime, by: z.uuid().nullable() }),
  'An administrator changed the user’s role.',
);

export const userTierChangedEvent = publicEvent(
  'UserTierChanged',
  z.object({ userId: z.uuid(), tier: tierSchema, changedAt: isoDateTime }),
  'The user’s tier changed (billing or an administrator).',
);

/** Identity's public events other than UserRegistered (in registration.ts). */
export const identityEvents = [
  emailVerificationRequestedEvent,
  signInCodeRequestedEvent,
  emailVerifiedEvent,
  passwordResetRequestedEvent,
  passwordChangedEvent,
  mfaEnabledEvent,
  mfaDisabledEvent,
  sessionRevokedEvent,
  duplicateSignUpAttemptedEvent,
  userDeactivatedEvent,
  userReactivatedEvent,
  userRoleChangedEvent,
  userTierChangedEvent,
] as const;
