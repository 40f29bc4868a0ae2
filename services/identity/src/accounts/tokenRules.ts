import { RateLimitedError, ValidationError } from '@ledgerline/contracts';
import { constantTimeEquals } from '../shared/tokens.js';
import type { AccountDetails, AccountTokenKind, PendingToken } from './account.js';

// Rules for the single-use tokens identity e-mails. Pure: time arrives as `now`.

/** How long an e-mailed token stays valid. */
export const TOKEN_TTL_MS: Record<AccountTokenKind, number> = {
  email_verification: 24 * 3600_000,
  password_reset: 30 * 60_000,
};

/** At most one e-mail per kind per minute, and five per day, per account. */
export const MIN_INTERVAL_MS = 60_000;
export const MAX_PER_DAY = 5;
const DAY_MS = 24 * 3600_000;

/** Throws RateLimitedError (with the seconds to wait) when another e-mail of `kind` is too soon. */
export function assertMaySend(account: AccountDetails, kind: AccountTokenKind, now: Date): void {
  const sent = account.sent[kind].map((iso) => Date.parse(iso));
  const last = sent.at(-1);
  if (last !== undefined && now.getTime() - last < MIN_INTERVAL_MS) {
    throw new RateLimitedError(
      'an e-mail was sent less than a minute ago',
      Math.ceil((last + MIN_INTERVAL_MS - now.getTime()) / 1000),
      { kind },
    );
  }
  const today = sent.filter((at) => now.getTime() - at < DAY_MS);
  if (today.length >= MAX_PER_DAY) {
    throw new RateLimitedError(
      'too many e-mails today',
      Math.ceil((today[0]! + DAY_MS - now.getTime()) / 1000),
      { kind },
    );
  }
}

export type TokenProblem = 'unknown' | 'expired';

const MESSAGE: Record<AccountTokenKind, string> = {
  email_verification: 'The verification link is invalid or has expired',
  password_reset: 'The password-reset link is invalid or has expired',
};

/** The error for a token that cannot be used; one message for every reason (no oracle). */
export const invalidToken = (kind: AccountTokenKind, reason: TokenProblem | 'used'): ValidationError =>
  new ValidationError(MESSAGE[kind], { reason, kind });

/**
 * Checks a presented token (by hash) against the pending one: it must be the latest issued, not
 * used (a used token is no longer pending) and not expired.
 */
export function assertTokenUsable(
  pending: PendingToken | null,
  kind: AccountTokenKind,
  tokenHash: string,
  now: Date,
): PendingToken {
  if (pending === null || !constantTimeEquals(pending.tokenHash, tokenHash)) {
    throw invalidToken(kind, 'unknown');
  }
  if (Date.parse(pending.expiresAt) <= now.getTime()) throw invalidToken(kind, 'expired');
  return pending;
}

/** Expiry of a token of `kind` issued at `now`, as ISO. */
export const expiryOf = (kind: AccountTokenKind, now: Date): string =>
  new Date(now.getTime() + TOKEN_TTL_MS[kind]).toISOString();
