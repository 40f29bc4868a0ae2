import { z } from 'zod';
import { defineCommand, defineQuery } from '../contract.js';
import {
  clientInfoSchema,
  emailSchema,
  emptySchema,
  isoDateTime,
  passwordSchema,
  sessionTokensSchema,
  signInResultSchema,
} from './common.js';
import { IDENTITY } from './registration.js';

const codeSchema = z.string().regex(/^\d{6}$/, 'six digits');
const refreshTokenSchema = z.string().min(16).max(512);

/** `identity.cmd.Login`: e-mail + password. One generic UNAUTHORIZED for every failure. */
export const loginCommand = defineCommand({
  service: IDENTITY,
  name: 'Login',
  request: z.object({ email: emailSchema, password: passwordSchema, client: clientInfoSchema.default({}) }),
  reply: signInResultSchema,
  description: 'Sign in with e-mail and password; may require a second factor.',
});

/** `identity.cmd.RequestSignInCode`: e-mails a 6-digit code; always accepted (no enumeration). */
export const requestSignInCodeCommand = defineCommand({
  service: IDENTITY,
  name: 'RequestSignInCode',
  request: z.object({ email: emailSchema, client: clientInfoSchema.default({}) }),
  reply: emptySchema,
  description: 'E-mail a one-time sign-in code (10 minutes, 5 attempts) when the account exists.',
});

/** `identity.cmd.VerifySignInCode`: the passwordless alternative to Login. */
export const verifySignInCodeCommand = defineCommand({
  service: IDENTITY,
  name: 'VerifySignInCode',
  request: z.object({ email: emailSchema, code: codeSchema, client: clientInfoSchema.default({}) }),
  reply: signInResultSchema,
  description: 'Sign in with an e-mailed code; may require a second factor.',
});

/** `identity.cmd.VerifyMfa`: second step of a sign-in, with a TOTP code or a recovery code. */
export const verifyMfaCommand = defineCommand({
  service: IDENTITY,
  name: 'VerifyMfa',
  request: z
    .object({
      challengeToken: z.string().min(16).max(1024),
      code: codeSchema.optional(),
      recoveryCode: z.string().min(8).max(64).optional(),
      client: clientInfoSchema.default({}),
    })
    .refine(
      (r) => (r.code === undefined) !== (r.recoveryCode === undefined),
      'give exactly one of code, recoveryCode',
    ),
  reply: signInResultSchema,
  description: 'Complete a sign-in with a TOTP or recovery code.',
});

/** `identity.cmd.RefreshSession`: rotates the refresh token; a reused one revokes the session family. */
export const refreshSessionCommand = defineCommand({
  service: IDENTITY,
  name: 'RefreshSession',
  request: z.object({ refreshToken: refreshTokenSchema, client: clientInfoSchema.default({}) }),
  reply: sessionTokensSchema,
  description: 'Exchange a refresh token for new tokens (rotation with reuse detection).',
});

/** `identity.cmd.Logout`: ends one session, named by id (access token) or by its refresh token. */
export const logoutCommand = defineCommand({
  service: IDENTITY,
  name: 'Logout',
  request: z.union([
    z.object({ userId: z.uuid(), sessionId: z.uuid() }),
    z.object({ refreshToken: refreshTokenSchema }),
  ]),
  reply: emptySchema,
  description: 'End the current session.',
});

/** `identity.cmd.LogoutAll`: ends every session of the user. */
export const logoutAllCommand = defineCommand({
  service: IDENTITY,
  name: 'LogoutAll',
  request: z.object({ userId: z.uuid() }),
  reply: z.object({ revoked: z.int().min(0) }),
  description: 'End every session of the signed-in user.',
});

/** `identity.cmd.RevokeSession`: ends one of the user's own sessions. */
export const revokeSessionCommand = defineCommand({
  service: IDENTITY,
  name: 'RevokeSession',
  request: z.object({ userId: z.uuid(), sessionId: z.uuid() }),
  reply: emptySchema,
  description: "Revoke one of the signed-in user's sessions.",
});

export const sessionViewSchema = z.object({
  id: z.uuid(),
  userAgent: z.string().nullable(),
  ip: z.string().nullable(),
  createdAt: isoDateTime,
  lastSeenAt: isoDateTime,
  current: z.boolean(),
});
export type SessionView = z.infer<typeof sessionViewSchema>;

/** `identity.qry.ListMySessions`: the user's active sessions. */
export const listMySessionsQuery = defineQuery({
  service: IDENTITY,
  name: 'ListMySessions',
  request: z.object({ userId: z.uuid(), currentSessionId: z.uuid().optional() }),
  // The project's one list envelope; a user has a handful of sessions, so one page holds them all.
  reply: z.object({ items: z.array(sessionViewSchema), nextCursor: z.string().nullable() }),
  description: "The signed-in user's active sessions, in the list envelope (`{ items, nextCursor }`).",
});

/** A public signing key as a JWK (RFC 8037 OKP / Ed25519). */
export const jwkSchema = z.object({
  kty: z.literal('OKP'),
  crv: z.literal('Ed25519'),
  x: z.string().min(1),
  kid: z.string().min(1),
  alg: z.literal('EdDSA'),
  use: z.literal('sig'),
});

/** `identity.qry.GetJwks`: every key a still-valid access token may be signed with. */
export const getJwksQuery = defineQuery({
  service: IDENTITY,
  name: 'GetJwks',
  request: emptySchema,
  reply: z.object({ keys: z.array(jwkSchema) }),
  description: 'The JSON Web Key Set that verifies access tokens.',
});

/** `identity.cmd.RotateSigningKey`: new tokens use a new key; the old one verifies until its tokens expire. */
export const rotateSigningKeyCommand = defineCommand({
  service: IDENTITY,
  name: 'RotateSigningKey',
  request: emptySchema,
  reply: z.object({ kid: z.string() }),
  description: 'Start signing with a new key, keeping the previous one published for the overlap.',
});
