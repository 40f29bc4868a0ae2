import {
  baseConfigSchema,
  ConfigError,
  DEV_MESSAGE_SEAL_KEY,
  type DeepReadonly,
  envInt,
  envKey32,
  envServiceName,
  loadConfig,
} from '@ledgerline/platform';
import { z } from 'zod';

// Development and test keys: fixed so a dev restart can still open tokens sealed before it.
// Production refuses to start without real ones (loadIdentityConfig).
const DEV_KEY_ENCRYPTION_KEY = 'eb4239bda3bd8847987133eacee2d3468d2caa7156ba51e5db69163544a924eb';

/** Identity's environment: the platform's base variables plus its own. */
export const identityConfigSchema = baseConfigSchema.extend({
  /** Name the schemas are derived from (`<name>_es`, `<name>_rm`); tests pass a unique one. */
  IDENTITY_SCHEMA_SERVICE: envServiceName('identity'),
  /** Seals tokens that travel in public events (verification, reset, sign-in codes). */
  MESSAGE_SEAL_KEY: envKey32().optional(),
  /** Base of the links in e-mails (verification, reset). */
  PUBLIC_URL: z.url().default('http://localhost:3000'),
  /** Encrypts the signing keys' private halves at rest. */
  KEY_ENCRYPTION_KEY: envKey32().optional(),
  ACCESS_TOKEN_TTL_SECONDS: envInt().positive().default(900),
  REFRESH_TOKEN_TTL_SECONDS: envInt()
    .positive()
    .default(30 * 24 * 3600),
  // OWASP's argon2id baseline (m=19 MiB, t=2, p=1): ~16 ms per hash, ~14 ms per verify on this machine.
  ARGON2_MEMORY_KIB: envInt().min(8192).default(19456),
  ARGON2_TIME_COST: envInt().min(1).default(2),
  ARGON2_PARALLELISM: envInt().min(1).max(16).default(1),

  // ── sessions, signing keys, MFA, sign-in codes, throttling (auth engineer) ──────────────
  // Add the auth feature's variables here, each with a default that works in development.
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
  // ── end of auth block ────────────────────────────────────────────────────────────────
});

type ParsedConfig = z.output<typeof identityConfigSchema>;
/** Identity's configuration: keys are always present (dev defaults outside production). */
export type IdentityConfig = DeepReadonly<
  Omit<ParsedConfig, 'MESSAGE_SEAL_KEY' | 'KEY_ENCRYPTION_KEY'> & {
    MESSAGE_SEAL_KEY: string;
    KEY_ENCRYPTION_KEY: string;
  }
>;

const PRODUCTION_SECRETS = ['MESSAGE_SEAL_KEY', 'KEY_ENCRYPTION_KEY'] as const;

/** Parses identity's environment once; throws a ConfigError listing every bad variable. */
export function loadIdentityConfig(env: Record<string, string | undefined> = process.env): IdentityConfig {
  const parsed = loadConfig(identityConfigSchema, env);
  if (parsed.NODE_ENV === 'production') {
    const missing = PRODUCTION_SECRETS.filter((name) => parsed[name] === undefined);
    if (missing.length > 0) {
      throw new ConfigError(missing.map((name) => ({ name, problem: 'required in production' })));
    }
  }
  return Object.freeze({
    ...parsed,
    MESSAGE_SEAL_KEY: parsed.MESSAGE_SEAL_KEY ?? DEV_MESSAGE_SEAL_KEY,
    KEY_ENCRYPTION_KEY: parsed.KEY_ENCRYPTION_KEY ?? DEV_KEY_ENCRYPTION_KEY,
  });
}
