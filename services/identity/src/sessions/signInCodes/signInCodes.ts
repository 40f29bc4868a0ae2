import { randomInt } from 'node:crypto';
import {
  type ClientInfo,
  type MessageMeta,
  type SignInResult,
  seal,
  signInCodeRequestedEvent,
  UnauthorizedError,
} from '@ledgerline/contracts';
import { type EventStore, handleCommand } from '@ledgerline/eventsourcing';
import { findLoginAccountByEmail, type LoginAccount } from '../../accounts/loginAccounts.js';
import type { ReadModels } from '../../service.js';
import type { AfterReplyQueue } from '../../shared/afterReply.js';
import { keyedHash } from '../../signingKeys/keyEncryption.js';
import type { AuthThrottles } from '../../throttling/authPolicies.js';
import type { Throttle } from '../../throttling/throttle.js';
import { throttleKeys } from '../login/passwordLogin.js';
import type { SignIn } from '../login/signIn.js';
import { recipientOf } from '../sessions.js';
import { INVALID_CODE, type SignInCodeCommand, signInCodeDecider, signInCodeStream } from './signInCode.js';

export interface SignInCodesDeps {
  store: EventStore;
  prisma: ReadModels;
  throttle: Throttle;
  policies: AuthThrottles;
  signIn: SignIn;
  messageSealKey: string;
  /** Derived key for the codes' keyed hashes. */
  codeHashKey: string;
  ttlSeconds: number;
  maxAttempts: number;
  /** Runs the account-dependent part of a code request after its reply. */
  afterReply: AfterReplyQueue;
}

type Meta = Partial<MessageMeta> | undefined;

/** Six digits, uniformly drawn (randomInt has no modulo bias), leading zeros kept. */
const newCode = (): string => randomInt(0, 1_000_000).toString().padStart(6, '0');

/** Passwordless sign-in: an e-mailed one-time code instead of the password. */
export class SignInCodes {
  constructor(private readonly deps: SignInCodesDeps) {}

  /**
   * Always "accepted", equally fast: an unknown or deactivated e-mail gets the same empty reply (and
   * no e-mail). Only the throttle (same work for every address) precedes the reply; the lookup and
   * the append that e-mails the code run after it.
   */
  async request(
    request: { email: string; client: ClientInfo },
    now = new Date(),
    meta?: Meta,
  ): Promise<void> {
    const { policies } = this.deps;
    const keys = throttleKeys(
      policies.codeRequestAccount,
      policies.codeRequestIp,
      request.email,
      request.client,
    );
    await this.deps.throttle.attempt(keys.ip ? [keys.account, keys.ip] : [keys.account], now.getTime());
    this.deps.afterReply.enqueue('RequestSignInCode', async () => {
      const account = await findLoginAccountByEmail(this.deps.prisma, request.email);
      if (account?.status !== 'active') return;
      const code = newCode();
      const command: SignInCodeCommand = {
        type: 'IssueSignInCode',
        data: {
          codeHash: this.hash(account.id, code),
          sealedCode: seal(this.deps.messageSealKey, code, signInCodeRequestedEvent.type),
        },
      };
      await this.run(account, command, now, meta);
    });
  }

  /** Verifies a code (throttled like a password); success continues like any sign-in (MFA applies). */
  async verify(
    request: { email: string; code: string; client: ClientInfo },
    now = new Date(),
    meta?: Meta,
  ): Promise<SignInResult> {
    const { policies } = this.deps;
    const keys = throttleKeys(
      policies.codeVerifyAccount,
      policies.codeVerifyIp,
      request.email,
      request.client,
    );
    await this.deps.throttle.attempt(keys.ip ? [keys.account, keys.ip] : [keys.account], now.getTime());
    const account = await findLoginAccountByEmail(this.deps.prisma, request.email);
    if (account?.status !== 'active') throw new UnauthorizedError(INVALID_CODE);
    const presentedHash = this.hash(account.id, request.code);
    const { events } = await this.run(
      account,
      { type: 'VerifySignInCode', data: { presentedHash } },
      now,
      meta,
    );
    if (!events.some((e) => e.type === 'SignInCodeUsed')) throw new UnauthorizedError(INVALID_CODE);
    await this.deps.throttle.succeeded([keys.account], keys.ip ? [keys.ip] : []);
    return this.deps.signIn.complete(account, 'code', request.client, now, meta);
  }

  // Bound to the user: the same digits of another account hash differently.
  private hash(userId: string, code: string): string {
    return keyedHash(this.deps.codeHashKey, `${userId}:${code}`);
  }

  private run(account: LoginAccount, command: SignInCodeCommand, now: Date, meta: Meta) {
    const { ttlSeconds, maxAttempts } = this.deps;
    const context = { now, recipient: recipientOf(account), ttlSeconds, maxAttempts };
    return handleCommand({
      store: this.deps.store,
      decider: signInCodeDecider,
      streamId: signInCodeStream(account.id),
      command,
      meta,
      retries: 2,
      context: () => context,
    });
  }
}
