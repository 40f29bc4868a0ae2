import { defineProjection } from '@ledgerline/eventsourcing';
import type { AccountToken } from '../../generated/prisma/client.js';
import type { AccountEvent } from '../account.js';

type Handled = Extract<AccountEvent, { type: 'AccountTokenIssued' | 'AccountTokenConsumed' }>;

/**
 * The `account_tokens` table: a token arrives without a user id, so this finds the account to
 * load. The account itself decides whether the token is still usable (latest, unused, unexpired).
 */
export const accountTokensProjection = defineProjection<Handled, AccountToken>({
  name: 'identity.accountTokens',
  table: 'account_tokens',
  key: 'tokenHash',
  canHandle: ['AccountTokenIssued', 'AccountTokenConsumed'],
  documentId: (event) => event.data.tokenHash,
  evolve: (row, event) => {
    switch (event.type) {
      case 'AccountTokenIssued': {
        const { tokenHash, userId, kind, expiresAt } = event.data;
        return { tokenHash, userId, kind, expiresAt: new Date(expiresAt), usedAt: null };
      }
      case 'AccountTokenConsumed':
        return row && { ...row, usedAt: new Date(event.data.consumedAt) };
    }
  },
});
