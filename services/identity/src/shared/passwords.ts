import { hash, verify } from '@node-rs/argon2';
import type { IdentityConfig } from '../config.js';

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
}

type Argon2Parameters = Pick<IdentityConfig, 'ARGON2_MEMORY_KIB' | 'ARGON2_TIME_COST' | 'ARGON2_PARALLELISM'>;

/** A hasher with the config's argon2id parameters (the library's default algorithm is argon2id). */
export function createPasswordHasher(config: Argon2Parameters): PasswordHasher {
  const options = {
    memoryCost: config.ARGON2_MEMORY_KIB,
    timeCost: config.ARGON2_TIME_COST,
    parallelism: config.ARGON2_PARALLELISM,
  };
  // The dummy hash uses the same parameters, so verifying against it costs the same as a real one.
  let dummy: Promise<string> | undefined;
  const verifyPassword = async (passwordHash: string, password: string): Promise<boolean> => {
    try {
      return await verify(passwordHash, password);
    } catch {
      return false;
    }
  };
  return {
    hashPassword: (password) => hash(password, options),
    verifyPassword,
    async verifyAgainstDummy(password) {
      dummy ??= hash('ledgerline-dummy-password', options);
      await verifyPassword(await dummy, password);
      return false;
    },
  };
}
