import { type DomainEvent, defineProjection, type RecordedEvent } from '@ledgerline/eventsourcing';
import type { AccountEvent } from '../account.js';

/** A `users` row as JSON (columns of prisma/schema/accounts.prisma, timestamps as ISO strings). */
export interface UserRow {
  [column: string]: unknown;
  id: string;
  email: string;
  displayName: string;
  avatarFileId: string | null;
  locale: string;
  emailVerified: boolean;
  role: string;
  tier: string;
  mfaEnabled: boolean;
  status: string;
  createdAt: string;
  lastLoginAt: string | null;
}

// Events from other features that change a user row: MFA (mfa/) and sign-ins (sessions/).
const FOREIGN = ['MfaEnabled', 'MfaDisabled', 'SessionOpened'] as const;
const OWN = [
  'UserRegistered',
  'AccountOpened',
  'EmailVerified',
  'ProfileUpdated',
  'UserDeactivated',
  'UserReactivated',
  'UserRoleChanged',
  'UserTierChanged',
] as const satisfies readonly AccountEvent['type'][];

type Handled = Extract<AccountEvent, { type: (typeof OWN)[number] }>;

function evolveOwn(row: UserRow | null, event: Handled): UserRow | null {
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
      createdAt: registeredAt,
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
  }
}

function evolveForeign(row: UserRow | null, event: RecordedEvent): UserRow | null {
  if (row === null) return null;
  const data = event.data as { openedAt?: string };
  switch (event.type) {
    case 'MfaEnabled':
      return { ...row, mfaEnabled: true };
    case 'MfaDisabled':
      return { ...row, mfaEnabled: false };
    case 'SessionOpened':
      return { ...row, lastLoginAt: data.openedAt ?? event.occurredAt };
    default:
      return row;
  }
}

/** The `users` table: GetMe, GetUser and the admin list (ListUsers). Inline. */
export const usersListProjection = defineProjection<DomainEvent, UserRow>({
  name: 'identity.users',
  table: 'users',
  canHandle: [...OWN, ...FOREIGN],
  documentId: (event) => (event.data as { userId?: string }).userId ?? null,
  evolve: (row, event) =>
    (OWN as readonly string[]).includes(event.type)
      ? evolveOwn(row, event as unknown as Handled)
      : evolveForeign(row, event),
});
