import {
  type ClientInfo,
  type MessageMeta,
  type SignInResult,
  UnauthorizedError,
} from '@ledgerline/contracts';
import { findLoginAccountByEmail } from '../../accounts/loginAccounts.js';
import type { ReadModels } from '../../service.js';
import type { DeadlineLimiter } from '../../shared/deadlineLimiter.js';
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
  /**
   * Admits whole password sign-ins at the door: in a storm, the requests that cannot finish before
   * their callers' deadlines are refused at once (503), before they spend Redis, database and
   * argon2 time that the admitted ones need.
   */
  gate: DeadlineLimiter;
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

  login(
    request: { email: string; password: string; client: ClientInfo },
    now = new Date(),
    meta?: Partial<MessageMeta>,
  ): Promise<SignInResult> {
    return this.deps.gate.run(() => this.attempt(request, now, meta));
  }

  private async attempt(
    request: { email: string; password: string; client: ClientInfo },
    now: Date,
    meta: Partial<MessageMeta> | undefined,
  ): Promise<SignInResult> {
    const { policies, throttle, passwords } = this.deps;
    const keys = throttleKeys(policies.loginAccount, policies.loginIp, request.email, request.client);
    const all = keys.ip ? [keys.account, keys.ip] : [keys.account];
    // Counted before the check, so a burst of parallel guesses cannot all pass (throttle.ts).
    await throttle.attempt(all, now.getTime());
    const account = await findLoginAccountByEmail(this.deps.prisma, request.email);
    // Unknown accounts still cost one argon2 verification: the reply time says nothing.
    let valid: boolean;
    try {
      valid =
        account?.passwordHash != null
          ? await passwords.verifyPassword(account.passwordHash, request.password)
          : await passwords.verifyAgainstDummy(request.password);
    } catch (error) {
      // Shed by the hashing limiter (overload, or the caller's deadline): no guess was checked, so
      // the attempt does not count towards a lock.
      await throttle.succeeded([], all).catch(() => undefined);
      throw error;
    }
    if (!account || !valid || account.status !== 'active') throw new UnauthorizedError(INVALID_CREDENTIALS);
    await throttle.succeeded([keys.account], keys.ip ? [keys.ip] : []);
    return this.deps.signIn.complete(account, 'password', request.client, now, meta);
  }
}
