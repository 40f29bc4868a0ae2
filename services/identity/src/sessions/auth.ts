import { currentDeadline } from '@ledgerline/platform';
import { MfaService } from '../mfa/mfaService.js';
import type { IdentityContext } from '../service.js';
import { DeadlineLimiter } from '../shared/deadlineLimiter.js';
import { deriveKey } from '../signingKeys/keyEncryption.js';
import { SigningKeys } from '../signingKeys/signingKeys.js';
import { authThrottles } from '../throttling/authPolicies.js';
import { Throttle } from '../throttling/throttle.js';
import { PasswordLogin } from './login/passwordLogin.js';
import { SignIn } from './login/signIn.js';
import { Sessions } from './sessions.js';
import { SignInCodes } from './signInCodes/signInCodes.js';

/** The authentication side of identity, wired once from the service context. */
export interface Auth {
  signingKeys: SigningKeys;
  mfa: MfaService;
  sessions: Sessions;
  signIn: SignIn;
  passwordLogin: PasswordLogin;
  signInCodes: SignInCodes;
  throttle: Throttle;
}

/** Builds every auth use case over the service context (the feature and int tests alike). */
export function createAuth(ctx: IdentityContext): Auth {
  const { config, store, schema } = ctx;
  const prisma = ctx.readModels;
  const { redis, passwords, afterReply } = ctx.resources;
  const kek = config.KEY_ENCRYPTION_KEY;
  const signingKeys = new SigningKeys({
    store,
    keyEncryptionKey: kek,
    tokens: {
      issuer: config.JWT_ISSUER,
      audience: config.JWT_AUDIENCE,
      ttlSeconds: config.ACCESS_TOKEN_TTL_SECONDS,
    },
    cacheSeconds: config.SIGNING_KEY_CACHE_SECONDS,
  });
  const mfa = new MfaService({ store, prisma, keyEncryptionKey: kek, totpIssuer: config.TOTP_ISSUER });
  const sessions = new Sessions({
    store,
    prisma,
    signingKeys,
    refreshTokenTtlSeconds: config.REFRESH_TOKEN_TTL_SECONDS,
  });
  // Throttle keys carry the schema service name, so test files with their own schemas never meet.
  const throttle = new Throttle(redis, `${schema}:throttle`);
  const policies = authThrottles(config);
  const signIn = new SignIn({
    prisma,
    sessions,
    mfa,
    throttle,
    policies,
    challengeKey: deriveKey(kek, 'mfa-challenge'),
    challengeTtlSeconds: config.MFA_CHALLENGE_TTL_SECONDS,
  });
  const gate = new DeadlineLimiter({
    // Twice the hashing slots: one sign-in's database and Redis round trips overlap another's hash.
    maxConcurrent: passwords.concurrency * 2,
    maxQueued: config.ARGON2_MAX_QUEUED,
    deadline: currentDeadline,
    busyReason: 'sign_in_busy',
  });
  const passwordLogin = new PasswordLogin({ prisma, passwords, throttle, policies, signIn, gate });
  const signInCodes = new SignInCodes({
    store,
    prisma,
    throttle,
    policies,
    signIn,
    messageSealKey: config.MESSAGE_SEAL_KEY,
    codeHashKey: deriveKey(kek, 'sign-in-code'),
    ttlSeconds: config.SIGN_IN_CODE_TTL_SECONDS,
    maxAttempts: config.SIGN_IN_CODE_MAX_ATTEMPTS,
    afterReply,
  });
  return { signingKeys, mfa, sessions, signIn, passwordLogin, signInCodes, throttle };
}
