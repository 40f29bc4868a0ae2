import type { ServiceConfig } from '@ledgerline/platform';
import { DEV_MESSAGE_SEAL_KEY, envInt, envSecret32, loadServiceConfig } from '@ledgerline/platform/config';
import { z } from 'zod';

// Development and test key: fixed so a dev restart can still open keys encrypted before it.
// Production refuses to start without a real one (envSecret32).
const DEV_KEY_ENCRYPTION_KEY = 'eb4239bda3bd8847987133eacee2d3468d2caa7156ba51e5db69163544a924eb';

/**
 * Identity's own variables; the runtime adds the base ones (DATABASE_URL, NATS_URL, REDIS_URL,
 * SERVICE_SCHEMA, …) and parses all of them as one schema.
 */
export const identityConfig = z.object({
  /** Seals tokens that travel in public events (verification, reset, sign-in codes). */
  MESSAGE_SEAL_KEY: envSecret32(DEV_MESSAGE_SEAL_KEY),
  /** Base of the links in e-mails (verification, reset). */
  PUBLIC_URL: z.url().default('http://localhost:3000'),
  /** Encrypts the signing keys' private halves at rest. */
  KEY_ENCRYPTION_KEY: envSecret32(DEV_KEY_ENCRYPTION_KEY),
  ACCESS_TOKEN_TTL_SECONDS: envInt().positive().default(900),
  REFRESH_TOKEN_TTL_SECONDS: envInt()
    .positive()
    .default(30 * 24 * 3600),
  // OWASP's argon2id baseline (m=19 MiB, t=2, p=1): ~16 ms per hash, ~14 ms per verify on this machine.
  ARGON2_MEMORY_KIB: envInt().min(8192).default(19456),
  ARGON2_TIME_COST: envInt().min(1).default(2),
  ARGON2_PARALLELISM: envInt().min(1).max(16).default(1),
  /** Password hashes computed at once (default: the CPUs Node may use); more would only queue in libuv. */
  ARGON2_MAX_CONCURRENT: envInt().min(1).max(256).optional(),
  /** Hashes waiting for a slot; one more is refused at once with UNAVAILABLE (503 + Retry-After). */
  ARGON2_MAX_QUEUED: envInt().min(0).max(10_000).default(64),
  /**
   * RegisterUser replies no sooner than this after it started, for new and taken addresses alike.
   * Opening an account appends more (events, the e-mail claim, read-model rows) than noting a
   * duplicate attempt does; the floor hides that difference as long as the work fits under it.
   */
  REGISTRATION_REPLY_FLOOR_MS: envInt().min(0).max(10_000).default(400),
  /** `iss` and `aud` of access tokens; the gateway verifies both. */
  JWT_ISSUER: z.string().min(1).default('ledgerline-identity'),
  JWT_AUDIENCE: z.string().min(1).default('ledgerline'),
  /** How long an instance trusts its cached key ring; a retired key stays published this much longer. */
  SIGNING_KEY_CACHE_SECONDS: envInt().min(0).max(300).default(5),
  /** Lifetime of the challenge between a password (or code) and the second factor. */
  MFA_CHALLENGE_TTL_SECONDS: envInt().min(30).max(3600).default(300),
  /** The issuer name authenticator apps show next to the account. */
  TOTP_ISSUER: z.string().min(1).default('Ledgerline'),
  SIGN_IN_CODE_TTL_SECONDS: envInt().min(60).max(3600).default(600),
  SIGN_IN_CODE_MAX_ATTEMPTS: envInt().min(1).max(20).default(5),
  /** Failed sign-ins (password, code or second factor) on one account before it locks… */
  LOGIN_MAX_FAILURES: envInt().min(2).max(100).default(5),
  /** …for this long. */
  LOGIN_LOCK_SECONDS: envInt().min(1).default(900),
  /** Per client IP: generous, since offices and mobile carriers put many users behind one address. */
  LOGIN_IP_MAX_FAILURES: envInt().min(2).max(10_000).default(50),
  LOGIN_IP_LOCK_SECONDS: envInt().min(1).default(900),
});

/** Identity's whole configuration: the runtime's variables plus its own. */
export type IdentityConfig = ServiceConfig<typeof identityConfig>;

/** Parses identity's environment as the runtime does; throws a ConfigError listing every bad variable. */
export const loadIdentityConfig = (env: Record<string, string | undefined> = process.env): IdentityConfig =>
  loadServiceConfig({ name: 'identity', config: identityConfig }, env);
