import {
  type ClientInfo,
  type MessageMeta,
  type SignInResult,
  UnauthorizedError,
} from '@ledgerline/contracts';
import { findLoginAccountByEmail } from '../../accounts/loginAccounts.js';
import type { ReadModels } from '../../infrastructure/readModels.js';
import { normaliseEmail } from '../../shared/emails.js';
import type { PasswordHasher } from '../../shared/passwords.js';
import type { AuthThrottles } from '../../throttling/authPolicies.js';
import type { Throttle, ThrottleKey } from '../../throttling/throttle.js';
import type { SignIn } from './signIn.js';

/** The one message for every failed password sign-in: unknown e-mail, wrong password, deactivated. */
export const INVALID_CREDENTIALS = 'Invalid e-mail or password';

export interface PasswordLoginDeps {
  prisma: ReadModels;
  passwords: PasswordHasher;
  throttle: Throttle;
  policies: AuthThrottles;
  signIn: SignIn;
}

/** The per-account and (when the gateway knows it) per-IP throttle keys of one attempt. */
export const throttleKeys = (
  account: ThrottleKey['policy'],
  ip: ThrottleKey['policy'],
  email: string,
  client: ClientInfo,
): { account: ThrottleKey; ip: ThrottleKey | undefined } => ({
  account: { policy: account, subject: normaliseEmail(email) },
  ip: client.ip ? { policy: ip, subject: client.ip } : undefined,
});

/** `Login`: e-mail and password, throttled, with no way to tell which part was wrong. */
export class PasswordLogin {
  constructor(private readonly deps: PasswordLoginDeps) {}

  async login(
    request: { email: string; password: string; client: ClientInfo },
    now = new Date(),
    meta?: Partial<MessageMeta>,
  ): Promise<SignInResult> {
    const { policies, throttle, passwords } = this.deps;
    const keys = throttleKeys(policies.loginAccount, policies.loginIp, request.email, request.client);
    const all = keys.ip ? [keys.account, keys.ip] : [keys.account];
    // Counted before the check, so a burst of parallel guesses cannot all pass (throttle.ts).
    await throttle.attempt(all, now.getTime());
    const account = await findLoginAccountByEmail(this.deps.prisma, request.email);
    // Unknown accounts still cost one argon2 verification: the reply time says nothing.
    const valid =
      account?.passwordHash != null
        ? await passwords.verifyPassword(account.passwordHash, request.password)
        : await passwords.verifyAgainstDummy(request.password);
    if (!account || !valid || account.status !== 'active') throw new UnauthorizedError(INVALID_CREDENTIALS);
    await throttle.succeeded([keys.account], keys.ip ? [keys.ip] : []);
    return this.deps.signIn.complete(account, 'password', request.client, now, meta);
  }
}
