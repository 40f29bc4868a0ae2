import { defineProjection } from '@ledgerline/eventsourcing';
import type { User } from '../../generated/prisma/client.js';
import type { MfaEvent } from '../../mfa/mfa.js';
import type { SessionEvent } from '../../sessions/session.js';
import type { AccountEvent } from '../account.js';

const HANDLED = [
  'UserRegistered',
  'AccountOpened',
  'EmailVerified',
  'ProfileUpdated',
  'UserDeactivated',
  'UserReactivated',
  'UserRoleChanged',
  'UserTierChanged',
  // Events of other features that change a user row: MFA (mfa/) and sign-ins (sessions/).
  'MfaEnabled',
  'MfaDisabled',
  'SessionOpened',
] as const;

type Handled = Extract<AccountEvent | MfaEvent | SessionEvent, { type: (typeof HANDLED)[number] }>;

/** The `users` table: GetMe, GetUser and the admin list (ListUsers). Inline. */
export const usersListProjection = defineProjection<Handled, User>({
  name: 'identity.users',
  table: 'users',
  canHandle: HANDLED,
  documentId: (event) => event.data.userId,
  evolve: (row, event) => {
    if (event.type === 'UserRegistered') {
      const { userId, email, displayName, registeredAt } = event.data;
      return {
        id: userId,
        email,
        displayName,
        avatarFileId: null,
        locale: 'en',
        emailVerified: false,
        role: 'user',
        tier: 'free',
        mfaEnabled: false,
        status: 'active',
        createdAt: new Date(registeredAt),
        lastLoginAt: null,
      };
    }
    if (row === null) return null;
    switch (event.type) {
      case 'AccountOpened':
        return { ...row, locale: event.data.locale, role: event.data.role, tier: event.data.tier };
      case 'EmailVerified':
        return { ...row, emailVerified: true };
      case 'ProfileUpdated': {
        const { displayName, avatarFileId, locale } = event.data;
        return { ...row, displayName, avatarFileId, locale };
      }
      case 'UserDeactivated':
        return { ...row, status: 'deactivated' };
      case 'UserReactivated':
        return { ...row, status: 'active' };
      case 'UserRoleChanged':
        return { ...row, role: event.data.role };
      case 'UserTierChanged':
        return { ...row, tier: event.data.tier };
      case 'MfaEnabled':
        return { ...row, mfaEnabled: true };
      case 'MfaDisabled':
        return { ...row, mfaEnabled: false };
      case 'SessionOpened':
        return { ...row, lastLoginAt: new Date(event.data.openedAt) };
    }
  },
});
