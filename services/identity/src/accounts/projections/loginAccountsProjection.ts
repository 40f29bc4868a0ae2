import { type DomainEvent, defineProjection } from '@ledgerline/eventsourcing';
import type { AccountEvent } from '../account.js';

/** A `login_accounts` row as JSON: what password sign-in needs, by normalised e-mail. */
export interface LoginAccountRow {
  [column: string]: unknown;
  id: string;
  email: string;
  normalisedEmail: string;
  displayName: string;
  locale: string;
  passwordHash: string | null;
  status: string;
  emailVerified: boolean;
  role: string;
  tier: string;
}

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
] as const satisfies readonly AccountEvent['type'][];

type Handled = Extract<AccountEvent, { type: (typeof HANDLED)[number] }>;

function evolve(row: LoginAccountRow | null, event: Handled): LoginAccountRow | null {
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
}

/** The `login_accounts` table, read by sign-in (sessions/) through ../loginAccounts.ts. Inline. */
export const loginAccountsProjection = defineProjection<DomainEvent, LoginAccountRow>({
  name: 'identity.loginAccounts',
  table: 'login_accounts',
  canHandle: HANDLED,
  documentId: (event) => (event.data as { userId: string }).userId,
  evolve: (row, event) => evolve(row, event as unknown as Handled),
});
