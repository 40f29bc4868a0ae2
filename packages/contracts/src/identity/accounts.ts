import { z } from 'zod';
import { defineCommand, defineQuery } from '../contract.js';
import {
  clientInfoSchema,
  displayNameSchema,
  emailSchema,
  emptySchema,
  localeSchema,
  passwordSchema,
  profileSchema,
} from './common.js';
import { IDENTITY } from './registration.js';

const userRef = z.object({ userId: z.uuid() });
const tokenSchema = z.string().min(16).max(512);

/** `identity.cmd.VerifyEmail`: consumes the single-use token sent by e-mail. */
export const verifyEmailCommand = defineCommand({
  service: IDENTITY,
  name: 'VerifyEmail',
  request: z.object({ token: tokenSchema }),
  reply: userRef,
  description: 'Verify an e-mail address with the token from the verification e-mail.',
});

/** `identity.cmd.ResendVerification`: always accepted (no enumeration); throttled per account. */
export const resendVerificationCommand = defineCommand({
  service: IDENTITY,
  name: 'ResendVerification',
  request: z.object({ email: emailSchema, client: clientInfoSchema.optional() }),
  reply: emptySchema,
  description: 'Send a new verification e-mail when the account exists and is unverified.',
});

/** `identity.cmd.RequestPasswordReset`: always accepted (no enumeration). */
export const requestPasswordResetCommand = defineCommand({
  service: IDENTITY,
  name: 'RequestPasswordReset',
  request: z.object({ email: emailSchema, client: clientInfoSchema.optional() }),
  reply: emptySchema,
  description: 'E-mail a single-use password-reset link when the account exists.',
});

/** `identity.cmd.ResetPassword`: sets a new password and revokes every session. */
export const resetPasswordCommand = defineCommand({
  service: IDENTITY,
  name: 'ResetPassword',
  request: z.object({ token: tokenSchema, newPassword: passwordSchema }),
  reply: userRef,
  description: 'Set a new password with a reset token; all sessions are revoked.',
});

/** `identity.cmd.ChangePassword`: requires the current password. */
export const changePasswordCommand = defineCommand({
  service: IDENTITY,
  name: 'ChangePassword',
  request: z.object({ userId: z.uuid(), currentPassword: passwordSchema, newPassword: passwordSchema }),
  reply: emptySchema,
  description: 'Change the password of a signed-in user; other sessions are revoked.',
});

/** `identity.cmd.UpdateProfile`: only the fields present change. */
export const updateProfileCommand = defineCommand({
  service: IDENTITY,
  name: 'UpdateProfile',
  request: z.object({
    userId: z.uuid(),
    displayName: displayNameSchema.optional(),
    avatarFileId: z.uuid().nullable().optional(),
    locale: localeSchema.optional(),
  }),
  reply: profileSchema,
  description: "Update the signed-in user's profile.",
});

/** `identity.cmd.DeactivateAccount`: soft delete; data and the e-mail reservation are kept. */
export const deactivateAccountCommand = defineCommand({
  service: IDENTITY,
  name: 'DeactivateAccount',
  request: z.object({ userId: z.uuid() }),
  reply: emptySchema,
  description: 'Deactivate an account: sign-in is refused and every session is revoked.',
});

/** `identity.cmd.BootstrapAdmin`: the first administrator, idempotent (ops CLI). */
export const bootstrapAdminCommand = defineCommand({
  service: IDENTITY,
  name: 'BootstrapAdmin',
  request: z.object({ email: emailSchema, password: passwordSchema, displayName: displayNameSchema }),
  reply: z.object({ userId: z.uuid(), created: z.boolean() }),
  description: 'Create (or promote) the first administrator; a no-op when that admin exists.',
});

/** `identity.qry.GetMe`: the signed-in user's profile. */
export const getMeQuery = defineQuery({
  service: IDENTITY,
  name: 'GetMe',
  request: userRef,
  reply: profileSchema,
  description: 'The profile of the signed-in user.',
});
