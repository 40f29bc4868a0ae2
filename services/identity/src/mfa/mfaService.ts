import { type MessageMeta, NotFoundError, UnauthorizedError } from '@ledgerline/contracts';
import { type EventStore, fold, handleCommand } from '@ledgerline/eventsourcing';
import { findLoginAccountById } from '../accounts/loginAccounts.js';
import type { ReadModels } from '../service.js';
import { recipientOf } from '../sessions/sessions.js';
import { decidePrepared } from '../shared/preparedCommand.js';
import { decryptAtRest, encryptAtRest } from '../signingKeys/keyEncryption.js';
import { INVALID_SECOND_FACTOR, type MfaCommand, mfaDecider } from './decide.js';
import { type Mfa, type MfaEvent, mfaStream } from './mfa.js';
import { hashRecoveryCode, newRecoveryCodes } from './recoveryCodes.js';
import { enrolmentUri, matchTotpStep, newTotpSecret } from './totp.js';

export interface MfaServiceDeps {
  store: EventStore;
  prisma: ReadModels;
  keyEncryptionKey: string;
  /** The issuer name authenticator apps show beside the account. */
  totpIssuer: string;
}

type Meta = Partial<MessageMeta> | undefined;
/** A second factor as VerifyMfa receives it: exactly one of the two. */
export type SecondFactor =
  | { code: string; recoveryCode?: undefined }
  | { code?: undefined; recoveryCode: string };

const secretContext = (userId: string) => `totp:${userId}`;

/** TOTP enrolment, confirmation, disabling, and the second step of a sign-in. */
export class MfaService {
  constructor(private readonly deps: MfaServiceDeps) {}

  /** Starts (or restarts) enrolment: a new secret, its otpauth URI and QR code. */
  async start(userId: string, now = new Date(), meta?: Meta) {
    const secret = newTotpSecret();
    const encryptedSecret = encryptAtRest(this.deps.keyEncryptionKey, secret, secretContext(userId));
    const { extra: account } = await this.run(userId, now, meta, false, async () => ({
      type: 'StartTotpEnrolment',
      data: { encryptedSecret },
    }));
    return { secret, ...(await enrolmentUri(secret, account.email, this.deps.totpIssuer)) };
  }

  /** Confirms enrolment with a current code; MFA is then on. Returns the recovery codes, once. */
  async confirm(
    userId: string,
    code: string,
    now = new Date(),
    meta?: Meta,
  ): Promise<{ recoveryCodes: string[] }> {
    const recovery = newRecoveryCodes();
    await this.run(userId, now, meta, false, async (state) => ({
      type: 'ConfirmTotpEnrolment',
      data: { matchedStep: this.match(userId, state, code, now), recoveryCodeHashes: recovery.hashes },
    }));
    return { recoveryCodes: recovery.codes };
  }

  /** Turns TOTP off; needs a fresh code. */
  async disable(userId: string, code: string, now = new Date(), meta?: Meta): Promise<void> {
    await this.run(userId, now, meta, false, async (state) => ({
      type: 'DisableTotp',
      data: { matchedStep: this.match(userId, state, code, now) },
    }));
  }

  /** Whether sign-ins of this user need a second step. */
  async isEnabled(userId: string): Promise<boolean> {
    return (await this.load(userId)).status === 'enabled';
  }

  /** Checks and spends a second factor at sign-in; throws UnauthorizedError when it does not hold. */
  async verify(userId: string, factor: SecondFactor, now = new Date(), meta?: Meta): Promise<void> {
    await this.run(userId, now, meta, true, async (state) =>
      factor.code !== undefined
        ? { type: 'UseTotpCode', data: { matchedStep: this.match(userId, state, factor.code, now) } }
        : { type: 'UseRecoveryCode', data: { codeHash: hashRecoveryCode(factor.recoveryCode) } },
    );
  }

  private match(userId: string, state: Mfa, code: string, now: Date): number | null {
    if (state.status === 'none') return null;
    const secret = decryptAtRest(this.deps.keyEncryptionKey, state.encryptedSecret, secretContext(userId));
    return matchTotpStep(secret, code, now);
  }

  private async load(userId: string): Promise<Mfa> {
    const stored = await this.deps.store.readStream(mfaStream(userId));
    return fold(
      mfaDecider,
      stored.map((e) => ({ type: e.type, data: e.data }) as MfaEvent),
    );
  }

  // The command depends on the stream (a code is matched against the stored secret), so `prepare`
  // builds it; the account it loads names the recipient of the public events.
  private async run(
    userId: string,
    now: Date,
    meta: Meta,
    signingIn: boolean,
    command: (state: Mfa) => Promise<MfaCommand>,
  ) {
    const result = await handleCommand({
      store: this.deps.store,
      decider: decidePrepared(mfaDecider),
      streamId: mfaStream(userId),
      command: null,
      meta,
      retries: 2,
      prepare: async (state: Mfa) => {
        const account = await findLoginAccountById(this.deps.prisma, userId);
        if (account?.status !== 'active') {
          throw signingIn
            ? new UnauthorizedError(INVALID_SECOND_FACTOR)
            : new NotFoundError('Account not found');
        }
        return { command: await command(state), context: { now, recipient: recipientOf(account) }, account };
      },
      context: (prepared) => prepared,
    });
    return { events: result.events, state: result.state, extra: result.prepared.account };
  }
}
