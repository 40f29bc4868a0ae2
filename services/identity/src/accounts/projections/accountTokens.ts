import { type DomainEvent, defineProjection } from '@ledgerline/eventsourcing';
import type { AccountEvent } from '../account.js';

/** An `account_tokens` row: which account an e-mailed token (by its sha256) belongs to. */
export interface AccountTokenRow {
  [column: string]: unknown;
  tokenHash: string;
  userId: string;
  kind: string;
  expiresAt: string;
  usedAt: string | null;
}

type Handled = Extract<AccountEvent, { type: 'AccountTokenIssued' | 'AccountTokenConsumed' }>;

/**
 * The `account_tokens` table: a token arrives without a user id, so this finds the account to
 * load. The account itself decides whether the token is still usable (latest, unused, unexpired).
 */
export const accountTokensProjection = defineProjection<DomainEvent, AccountTokenRow>({
  name: 'identity.accountTokens',
  table: 'account_tokens',
  key: 'tokenHash',
  canHandle: ['AccountTokenIssued', 'AccountTokenConsumed'],
  documentId: (event) => (event.data as { tokenHash: string }).tokenHash,
  evolve: (row, recorded) => {
    const event = recorded as unknown as Handled;
    if (event.type === 'AccountTokenIssued') {
      const { tokenHash, userId, kind, expiresAt } = event.data;
      return { tokenHash, userId, kind, expiresAt, usedAt: null };
    }
    return row === null ? null : { ...row, usedAt: event.data.consumedAt };
  },
});
