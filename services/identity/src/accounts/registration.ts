import {
  isAppError,
  type MessageMeta,
  type RequestOf,
  type registerUserCommand,
  type resendVerificationCommand,
  seal,
  type verifyEmailCommand,
} from '@ledgerline/contracts';
import { uuidv7 } from '@ledgerline/platform';
import { normaliseEmail } from '../shared/emails.js';
import { assertPasswordPolicy } from '../shared/passwordPolicy.js';
import { hashToken, issueToken } from '../shared/tokens.js';
import { type AccountTokenKind, accountStreamId, initialAccount } from './account.js';
import { type AccountsDeps, runAccountCommand } from './accountsDeps.js';
import type { NewToken } from './decide.js';
import { findLoginAccountByEmail } from './loginAccounts.js';
import { invalidToken } from './tokenRules.js';

// The public event that carries each kind of token; also the seal's context, so a token sealed for
// one purpose cannot be replayed as the other.
const CARRIER: Record<AccountTokenKind, string> = {
  email_verification: 'EmailVerificationRequested',
  password_reset: 'PasswordResetRequested',
};

/** A fresh random token: its hash for the account, sealed for the e-mail. */
export function newToken(deps: Pick<AccountsDeps, 'sealKey'>, kind: AccountTokenKind): NewToken {
  const { token, hash } = issueToken();
  return { tokenHash: hash, sealedToken: seal(deps.sealKey, token, CARRIER[kind]) };
}

/**
 * RegisterUser: policy, argon2id, then an append that claims the e-mail. An address that already
 * has an account answers the same (a fresh id that names no account) after the same work (a
 * lookup, one hash, one append): the append there tells the owner that someone tried to sign up.
 * Nothing in the reply, its status or its timing says which addresses are registered.
 */
export async function registerUser(
  deps: AccountsDeps,
  request: RequestOf<typeof registerUserCommand>,
  meta?: MessageMeta,
): Promise<{ userId: string }> {
  const email = normaliseEmail(request.email);
  assertPasswordPolicy(request.password, email);
  const started = performance.now();
  const userId = await registerOrNoteAttempt(deps, request, email, meta);
  // A new account's append is heavier than a noted attempt: both wait for the same floor.
  const wait = (deps.registrationReplyFloorMs ?? 0) - (performance.now() - started);
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  return { userId };
}

async function registerOrNoteAttempt(
  deps: AccountsDeps,
  request: RequestOf<typeof registerUserCommand>,
  email: string,
  meta: MessageMeta | undefined,
): Promise<string> {
  const existing = await findLoginAccountByEmail(deps.prisma, email);
  // Hashed either way: skipping the hash for a taken address is exactly the timing difference.
  const passwordHash = await deps.passwords.hashPassword(request.password);
  const userId = uuidv7();
  if (existing === null) {
    const command = {
      type: 'RegisterUser' as const,
      data: {
        userId,
        email,
        displayName: request.displayName,
        locale: request.locale ?? 'en',
        passwordHash,
        verification: newToken(deps, 'email_verification'),
      },
    };
    // A fresh id has no stream: decide on the empty state without reading it (the append's
    // `no_stream` check still guards it), as a taken address decides on its cached account.
    deps.states.set(accountStreamId(userId), initialAccount(), 0);
    try {
      await runAccountCommand(deps, userId, command, { meta, reserveEmail: email });
      return userId;
    } catch (error) {
      // Someone registered the address since the lookup: it is a duplicate after all.
      if (!isEmailReserved(error)) throw error;
    }
  }
  const owner = existing ?? (await findLoginAccountByEmail(deps.prisma, email));
  if (owner !== null) {
    await runAccountCommand(deps, owner.id, { type: 'NoteSignUpAttempt', data: {} }, { meta });
  }
  return userId;
}

const isEmailReserved = (error: unknown): boolean =>
  isAppError(error) && error.code === 'CONFLICT' && error.details?.reason === 'reserved';

/** The account a presented token belongs to, or the generic invalid-token error. */
export async function accountOfToken(deps: AccountsDeps, kind: AccountTokenKind, token: string) {
  const tokenHash = hashToken(token);
  const row = await deps.prisma.accountToken.findUnique({ where: { tokenHash } });
  if (row === null || row.kind !== kind) throw invalidToken(kind, 'unknown');
  if (row.usedAt !== null) throw invalidToken(kind, 'used');
  return { userId: row.userId, tokenHash };
}

/** VerifyEmail: the single-use token from the verification e-mail. */
export async function verifyEmail(
  deps: AccountsDeps,
  request: RequestOf<typeof verifyEmailCommand>,
  meta?: MessageMeta,
): Promise<{ userId: string }> {
  const { userId, tokenHash } = await accountOfToken(deps, 'email_verification', request.token);
  await runAccountCommand(deps, userId, { type: 'VerifyEmail', data: { tokenHash } }, { meta });
  return { userId };
}

/**
 * ResendVerification: looks the same whatever happens (unknown e-mail, already verified,
 * deactivated, throttled), in its reply and its timing: the reply goes out first and the work
 * (lookup, append) runs after it, so no account-dependent work precedes the reply.
 */
export async function resendVerification(
  deps: AccountsDeps,
  request: RequestOf<typeof resendVerificationCommand>,
  meta?: MessageMeta,
): Promise<Record<string, never>> {
  deps.afterReply.enqueue('ResendVerification', async () => {
    const account = await findLoginAccountByEmail(deps.prisma, request.email);
    if (account === null) return;
    const command = {
      type: 'ResendVerification' as const,
      data: { verification: newToken(deps, 'email_verification') },
    };
    await swallowDomainErrors(() => runAccountCommand(deps, account.id, command, { meta }));
  });
  return {};
}

/** Runs `work`, hiding domain refusals (they would reveal the account); other failures still throw. */
export async function swallowDomainErrors(work: () => Promise<unknown>): Promise<void> {
  try {
    await work();
  } catch (error) {
    const hidden = ['RATE_LIMITED', 'ILLEGAL_STATE', 'NOT_FOUND'];
    if (!(isAppError(error) && hidden.includes(error.code))) throw error;
  }
}
