import {
  adminUpdateUserCommand,
  changePasswordCommand,
  confirmTotpEnrolmentCommand,
  disableTotpCommand,
  emailSchema,
  listUsersRequestSchema,
  loginCommand,
  registerUserRequestSchema,
  resetPasswordCommand,
  sessionTokensSchema,
  signInResultSchema,
  updateProfileCommand,
  verifyEmailCommand,
  verifyMfaCommand,
  verifySignInCodeCommand,
} from '@ledgerline/contracts';
import { z } from 'zod';

// HTTP bodies reuse the contracts' field schemas but are strict (a typo or a smuggled `userId` is a 422)
// and never contain what the gateway fills in from the token or the connection (userId, client).

export const registerBody = z.strictObject(registerUserRequestSchema.shape);

const { email, password } = loginCommand.request.shape;
export const loginBody = z.strictObject({ email, password });

export const emailBody = z.strictObject({ email: emailSchema });

export const verifyCodeBody = z.strictObject({
  email: verifySignInCodeCommand.request.shape.email,
  code: verifySignInCodeCommand.request.shape.code,
});

const mfa = verifyMfaCommand.request.shape;
export const verifyMfaBody = z
  .strictObject({ challengeToken: mfa.challengeToken, code: mfa.code, recoveryCode: mfa.recoveryCode })
  .refine(
    (r) => (r.code === undefined) !== (r.recoveryCode === undefined),
    'give exactly one of code, recoveryCode',
  );

export const refreshBody = z
  .strictObject({ refreshToken: z.string().min(16).max(512).optional() })
  .optional()
  .transform((body) => body ?? {});

export const tokenBody = z.strictObject({ token: verifyEmailCommand.request.shape.token });

export const resetPasswordBody = z.strictObject({
  token: resetPasswordCommand.request.shape.token,
  newPassword: resetPasswordCommand.request.shape.newPassword,
});

export const changePasswordBody = z.strictObject({
  currentPassword: changePasswordCommand.request.shape.currentPassword,
  newPassword: changePasswordCommand.request.shape.newPassword,
});

const { userId: _profileUser, ...profileFields } = updateProfileCommand.request.shape;
export const updateProfileBody = z
  .strictObject(profileFields)
  .refine((b) => Object.keys(b).length > 0, 'change at least one field');

export const totpCodeBody = z.strictObject({ code: confirmTotpEnrolmentCommand.request.shape.code });
export const disableTotpBody = z.strictObject({ code: disableTotpCommand.request.shape.code });

const { userId: _adminUser, ...adminFields } = adminUpdateUserCommand.request.shape;
export const adminUpdateBody = z
  .strictObject(adminFields)
  .refine((b) => Object.keys(b).length > 0, 'change at least one field');

export const idParams = z.strictObject({ id: z.uuid() });

// Query strings are text: numbers are coerced, everything else keeps the contract's rules.
const list = listUsersRequestSchema.shape;
export const listUsersQueryString = z.strictObject({
  ...list,
  limit: z.coerce.number().int().min(1).max(100).default(20),
  offset: z.coerce.number().int().min(0).max(100_000).optional(),
});

/** Tokens as returned over HTTP: the refresh token only for API clients (see SessionCookies.forBody). */
export const returnedTokensSchema = sessionTokensSchema.extend({
  refreshToken: z.string().min(1).optional(),
});

/** Sign-in result as returned over HTTP. */
export const signInResponseSchema = z.discriminatedUnion('status', [
  signInResultSchema.options[0].extend({ tokens: returnedTokensSchema }),
  signInResultSchema.options[1],
]);
