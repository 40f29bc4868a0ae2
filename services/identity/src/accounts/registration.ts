import {
  AppError,
  ConflictError,
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
import type { AccountTokenKind } from './account.js';
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

/** RegisterUser: policy, argon2id, then an append that claims the e-mail (CONFLICT when taken). */
export async function registerUser(
  deps: AccountsDeps,
  request: RequestOf<typeof registerUserCommand>,
  meta?: MessageMeta,
): Promise<{ userId: string }> {
  const email = normaliseEmail(request.email);
  assertPasswordPolicy(request.password, email);
  // Fail fast before spending an argon2 hash; the reservation below is what guarantees uniqueness.
  if (await findLoginAccountByEmail(deps.prisma, email)) throw emailTaken();
  const passwordHash = await deps.passwords.hashPassword(request.password);
  const userId = uuidv7();
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
  try {
    await runAccountCommand(deps, userId, command, { meta, reserveEmail: email });
  } catch (error) {
    if (error instanceof ConflictError && error.details?.reason === 'reserved') throw emailTaken();
    throw error;
  }
  return { userId };
}

const emailTaken = () => new ConflictError('An account with this e-mail already exists', { field: 'email' });

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
 * deactivated, throttled), so the reply cannot tell anyone whether an account exists.
 */
export async function resendVerification(
  deps: AccountsDeps,
  request: RequestOf<typeof resendVerificationCommand>,
  meta?: MessageMeta,
): Promise<Record<string, never>> {
  const account = await findLoginAccountByEmail(deps.prisma, request.email);
  if (account === null) return {};
  const command = {
    type: 'ResendVerification' as const,
    data: { verification: newToken(deps, 'email_verification') },
  };
  await swallowDomainErrors(() => runAccountCommand(deps, account.id, command, { meta }));
  return {};
}

/** Runs `work`, hiding domain refusals (they would reveal the account); other failures still throw. */
export async function swallowDomainErrors(work: () => Promise<unknown>): Promise<void> {
  try {
    await work();
  } catch (error) {
    const hidden = ['RATE_LIMITED', 'ILLEGAL_STATE', 'NOT_FOUND'];
    if (!(error instanceof AppError && hidden.includes(error.code))) throw error;
  }
}
