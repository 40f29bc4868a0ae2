import { defineProjection } from '@ledgerline/eventsourcing';
import type { LoginAccount } from '../../generated/prisma/client.js';
import type { AccountEvent } from '../account.js';

const HANDLED = [
  'UserRegistered',
  'AccountOpened',
  'PasswordHashSet',
  'EmailVerified',
  'ProfileUpdated',
  'UserDeactivated',
  'UserReactivated',
  'UserRoleChanged',
  'UserTierChanged',
] as const;

type Handled = Extract<AccountEvent, { type: (typeof HANDLED)[number] }>;

/** The `login_accounts` table, read by sign-in (sessions/) through ../loginAccounts.ts. Inline. */
export const loginAccountsProjection = defineProjection<Handled, LoginAccount>({
  name: 'identity.loginAccounts',
  table: 'login_accounts',
  canHandle: HANDLED,
  documentId: (event) => event.data.userId,
  evolve: (row, event) => {
    if (event.type === 'UserRegistered') {
      const { userId, email, displayName } = event.data;
      // The stored e-mail is already normalised (emails.ts); both columns keep it for clarity.
      return {
        id: userId,
        email,
        normalisedEmail: email,
        displayName,
        locale: 'en',
        passwordHash: null,
        status: 'active',
        emailVerified: false,
        role: 'user',
        tier: 'free',
      };
    }
    if (row === null) return null;
    switch (event.type) {
      case 'AccountOpened':
        return { ...row, locale: event.data.locale, role: event.data.role, tier: event.data.tier };
      case 'PasswordHashSet':
        return { ...row, passwordHash: event.data.passwordHash };
      case 'EmailVerified':
        return { ...row, emailVerified: true };
      case 'ProfileUpdated':
        return { ...row, displayName: event.data.displayName, locale: event.data.locale };
      case 'UserDeactivated':
        return { ...row, status: 'deactivated' };
      case 'UserReactivated':
        return { ...row, status: 'active' };
      case 'UserRoleChanged':
        return { ...row, role: event.data.role };
      case 'UserTierChanged':
        return { ...row, tier: event.data.tier };
    }
  },
});
