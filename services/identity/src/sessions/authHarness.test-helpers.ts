import type { AppError, SessionTokens, SignInResult } from '@ledgerline/contracts';
import { registerUser } from '../accounts/registration.js';
import { type AccountsHarness, accountsHarness } from '../testing/accountsHarness.test-helpers.js';
import { type Auth, createAuth } from './auth.js';

/** The accounts harness (unique schema, accounts use cases) plus every auth use case over it. */
export interface AuthHarness extends AccountsHarness {
  auth: Auth;
  /** Registers an account with a unique e-mail built from `name`; returns its id and e-mail. */
  register(name: string): Promise<{ userId: string; email: string }>;
}

/** A password that passes the policy; every harness account has it. */
export const PASSWORD = 'correct horse battery staple';

export async function authHarness(
  prefix: string,
  options: { bootstrapKey?: boolean } = {},
): Promise<AuthHarness> {
  const h = await accountsHarness(prefix);
  const auth = createAuth(h.ctx);
  if (options.bootstrapKey ?? true) await auth.signingKeys.bootstrap();
  // Unique per run: the Redis throttle keys of a second run must not see the first run's counts.
  const run = Math.random().toString(36).slice(2, 8);
  return {
    ...h,
    auth,
    async register(name) {
      const email = `${name}-${run}@example.com`;
      const { userId } = await registerUser(h.deps, { email, password: PASSWORD, displayName: name });
      return { userId, email };
    },
    close: () => h.close(),
  };
}

/** The error code a promise fails with, or 'resolved'. */
export const codeOf = async (promise: Promise<unknown>): Promise<string> =>
  promise.then(
    () => 'resolved',
    (error: AppError) => error.code ?? String(error),
  );

/** The tokens of an `authenticated` sign-in result (fails the test otherwise). */
export function tokensOf(result: SignInResult): SessionTokens {
  if (result.status !== 'authenticated') throw new Error(`expected authenticated, got ${result.status}`);
  return result.tokens;
}
