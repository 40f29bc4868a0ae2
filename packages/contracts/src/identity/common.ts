import { z } from 'zod';
import { userTextSchema } from '../text.js';

// RFC 5321 caps an address at 254 characters; longer input is garbage or an attack, not an e-mail.
export const emailSchema = z.email().max(254);
// Display names are shown in UIs and e-mails; surrounding whitespace is never meaningful.
export const displayNameSchema = userTextSchema().trim().min(1).max(100);
/** The policy (length, common-password list) is identity's; the wire only bounds the size. */
export const passwordSchema = z.string().min(1).max(1024);
export const isoDateTime = z.iso.datetime({ offset: true });
export const localeSchema = z.string().regex(/^[a-z]{2,3}(-[A-Z]{2})?$/, 'a BCP 47 tag like en or pt-BR');

export const roleSchema = z.enum(['user', 'admin']);
export type Role = z.infer<typeof roleSchema>;
export const tierSchema = z.enum(['free', 'pro', 'enterprise']);
export type Tier = z.infer<typeof tierSchema>;
export const accountStatusSchema = z.enum(['active', 'deactivated']);

/** Where a request came from; sessions show it and throttling keys on it. Filled by the gateway. */
export const clientInfoSchema = z.object({
  ip: z.string().max(64).optional(),
  userAgent: z.string().max(512).optional(),
});
export type ClientInfo = z.infer<typeof clientInfoSchema>;

/** A user as the user sees themself (GET /me). */
export const profileSchema = z.object({
  id: z.uuid(),
  email: emailSchema,
  displayName: displayNameSchema,
  avatarFileId: z.uuid().nullable(),
  locale: localeSchema,
  emailVerified: z.boolean(),
  role: roleSchema,
  tier: tierSchema,
  mfaEnabled: z.boolean(),
  status: accountStatusSchema,
  createdAt: isoDateTime,
});
export type Profile = z.infer<typeof profileSchema>;

/** What a successful sign-in returns. The refresh token is opaque; only its hash is stored. */
export const sessionTokensSchema = z.object({
  tokenType: z.literal('Bearer'),
  accessToken: z.string().min(1),
  accessTokenExpiresAt: isoDateTime,
  refreshToken: z.string().min(1),
  refreshTokenExpiresAt: isoDateTime,
  sessionId: z.uuid(),
});
export type SessionTokens = z.infer<typeof sessionTokensSchema>;

/** Password, code or MFA sign-in: either tokens, or a short-lived challenge for the second factor. */
export const signInResultSchema = z.discriminatedUnion('status', [
  z.object({
    status: z.literal('authenticated'),
    userId: z.uuid(),
    emailVerified: z.boolean(),
    tokens: sessionTokensSchema,
  }),
  z.object({ status: z.literal('mfa_required'), challengeToken: z.string().min(1), expiresAt: isoDateTime }),
]);
export type SignInResult = z.infer<typeof signInResultSchema>;

export const emptySchema = z.object({});
