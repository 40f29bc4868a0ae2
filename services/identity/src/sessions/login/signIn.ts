import {
  type ClientInfo,
  type MessageMeta,
  type SignInResult,
  UnauthorizedError,
} from '@ledgerline/contracts';
import { findLoginAccountById, type LoginAccount } from '../../accounts/loginAccounts.js';
import type { MfaService, SecondFactor } from '../../mfa/mfaService.js';
import type { ReadModels } from '../../service.js';
import type { AuthThrottles } from '../../throttling/authPolicies.js';
import type { Throttle } from '../../throttling/throttle.js';
import type { Sessions } from '../sessions.js';
import { INVALID_CHALLENGE, issueChallenge, openChallenge } from './mfaChallenge.js';

export interface SignInDeps {
  prisma: ReadModels;
  sessions: Sessions;
  mfa: MfaService;
  throttle: Throttle;
  policies: AuthThrottles;
  /** Derived key that seals MFA challenges. */
  challengeKey: string;
  challengeTtlSeconds: number;
}

type Meta = Partial<MessageMeta> | undefined;

/** The end of every sign-in path: tokens, or a challenge when the account has a second factor. */
export class SignIn {
  constructor(private readonly deps: SignInDeps) {}

  /** After a first factor (password or e-mailed code) was verified for `account`. */
  async complete(
    account: LoginAccount,
    method: 'password' | 'code',
    client: ClientInfo,
    now = new Date(),
    meta?: Meta,
  ): Promise<SignInResult> {
    if (await this.deps.mfa.isEnabled(account.id)) {
      const challenge = issueChallenge(
        this.deps.challengeKey,
        { userId: account.id, method },
        now,
        this.deps.challengeTtlSeconds,
      );
      return { status: 'mfa_required', ...challenge };
    }
    return this.authenticated(account, method, false, client, now, meta);
  }

  /** The second step: a challenge plus a TOTP or recovery code opens an MFA session. */
  async verifyMfa(
    challengeToken: string,
    factor: SecondFactor,
    client: ClientInfo,
    now = new Date(),
    meta?: Meta,
  ): Promise<SignInResult> {
    const subject = openChallenge(this.deps.challengeKey, challengeToken, now);
    const key = { policy: this.deps.policies.mfaUser, subject: subject.userId };
    await this.deps.throttle.attempt([key], now.getTime());
    await this.deps.mfa.verify(subject.userId, factor, now, meta);
    await this.deps.throttle.succeeded([key]);
    const account = await findLoginAccountById(this.deps.prisma, subject.userId);
    if (account?.status !== 'active') throw new UnauthorizedError(INVALID_CHALLENGE);
    return this.authenticated(account, subject.method, true, client, now, meta);
  }

  private async authenticated(
    account: LoginAccount,
    method: 'password' | 'code',
    mfa: boolean,
    client: ClientInfo,
    now: Date,
    meta: Meta,
  ): Promise<SignInResult> {
    const tokens = await this.deps.sessions.open(account, { client, mfa, method }, now, meta);
    return { status: 'authenticated', userId: account.id, emailVerified: account.emailVerified, tokens };
  }
}
