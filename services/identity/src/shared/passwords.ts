import { availableParallelism } from 'node:os';
import { currentDeadline } from '@ledgerline/platform';
import { hash, verify } from '@node-rs/argon2';
import type { IdentityConfig } from '../config.js';
import { DeadlineLimiter, type HashingLimits, type HashingStats, type HashStart } from './deadlineLimiter.js';

/** Hashes and verifies passwords with argon2id; built once from the configured parameters. */
export interface PasswordHasher {
  hashPassword(password: string): Promise<string>;
  /** False for a wrong password or a malformed hash; never throws for bad input. */
  verifyPassword(passwordHash: string, password: string): Promise<boolean>;
  /**
   * Spends the time of one verification when there is no account to check, so a login for an
   * unknown e-mail takes as long as one with a wrong password (no enumeration by timing).
   */
  verifyAgainstDummy(password: string): Promise<false>;
  /** argon2 computations run at once (the rest queue, within limits). */
  readonly concurrency: number;
  /** What the limiter did so far (tests, metrics). */
  readonly stats: Readonly<HashingStats>;
  /** Calls `observer` as each argon2 computation starts; returns the unsubscribe function. */
  observeStarts(observer: (start: HashStart) => void): () => void;
}

type Argon2Parameters = Pick<
  IdentityConfig,
  | 'ARGON2_MEMORY_KIB'
  | 'ARGON2_TIME_COST'
  | 'ARGON2_PARALLELISM'
  | 'ARGON2_MAX_CONCURRENT'
  | 'ARGON2_MAX_QUEUED'
>;

/** A hasher with the config's argon2id parameters (the library's default algorithm is argon2id). */
export function createPasswordHasher(
  config: Argon2Parameters,
  limits: Partial<HashingLimits> = {},
): PasswordHasher {
  const options = {
    memoryCost: config.ARGON2_MEMORY_KIB,
    timeCost: config.ARGON2_TIME_COST,
    parallelism: config.ARGON2_PARALLELISM,
  };
  const concurrency = config.ARGON2_MAX_CONCURRENT ?? availableParallelism();
  const limiter = new DeadlineLimiter({
    maxConcurrent: concurrency,
    maxQueued: config.ARGON2_MAX_QUEUED,
    deadline: currentDeadline,
    ...limits,
  });
  // The dummy hash uses the same parameters, so verifying against it costs the same as a real one.
  // It is computed once, outside the limiter (a start-up cost, not a request's).
  let dummy: Promise<string> | undefined;
  const verifyPassword = (passwordHash: string, password: string): Promise<boolean> =>
    limiter.run(() => verify(passwordHash, password).catch(() => false));
  return {
    hashPassword: (password) => limiter.run(() => hash(password, options)),
    verifyPassword,
    async verifyAgainstDummy(password) {
      dummy ??= hash('ledgerline-dummy-password', options);
      await verifyPassword(await dummy, password);
      return false;
    },
    concurrency,
    stats: limiter.stats,
    observeStarts: (observer) => limiter.observeStarts(observer),
  };
}
