import type {
  duplicateSignUpAttemptedEvent,
  EventDataOf,
  emailVerificationRequestedEvent,
  emailVerifiedEvent,
  passwordChangedEvent,
  passwordResetRequestedEvent,
  Role,
  Tier,
  userDeactivatedEvent,
  userRegisteredEvent,
  userRoleChangedEvent,
  userTierChangedEvent,
} from '@ledgerline/contracts';

// The account aggregate (stream `account-<userId>`): its events and how they fold into state.
// Public events carry exactly their contract's data, because the relay publishes them as stored;
// secrets (password hash, token hashes) live only in the private events below, which never leave
// identity's event store.

/** Which single-use e-mail token a private event is about. */
export type AccountTokenKind = 'email_verification' | 'password_reset';

export type AccountEvent =
  // public (packages/contracts/src/identity)
  | { type: 'UserRegistered'; data: EventDataOf<typeof userRegisteredEvent> }
  | { type: 'EmailVerificationRequested'; data: EventDataOf<typeof emailVerificationRequestedEvent> }
  | { type: 'EmailVerified'; data: EventDataOf<typeof emailVerifiedEvent> }
  | { type: 'PasswordResetRequested'; data: EventDataOf<typeof passwordResetRequestedEvent> }
  | { type: 'PasswordChanged'; data: EventDataOf<typeof passwordChangedEvent> }
  | { type: 'UserDeactivated'; data: EventDataOf<typeof userDeactivatedEvent> }
  | { type: 'UserRoleChanged'; data: EventDataOf<typeof userRoleChangedEvent> }
  | { type: 'UserTierChanged'; data: EventDataOf<typeof userTierChangedEvent> }
  | { type: 'DuplicateSignUpAttempted'; data: EventDataOf<typeof duplicateSignUpAttemptedEvent> }
  // private: never relayed
  | { type: 'AccountOpened'; data: { userId: string; locale: string; role: Role; tier: Tier } }
  | { type: 'PasswordHashSet'; data: { userId: string; passwordHash: string; setAt: string } }
  | {
      type: 'AccountTokenIssued';
      data: {
        userId: string;
        kind: AccountTokenKind;
        tokenHash: string;
        expiresAt: string;
        issuedAt: string;
      };
    }
  | {
      type: 'AccountTokenConsumed';
      data: { userId: string; kind: AccountTokenKind; tokenHash: string; consumedAt: string };
    }
  | {
      type: 'ProfileUpdated';
      data: {
        userId: string;
        displayName: string;
        avatarFileId: string | null;
        locale: string;
        updatedAt: string;
      };
    }
  | { type: 'UserReactivated'; data: { userId: string; reactivatedAt: string; by: string | null } }
  /** Someone registered this account's address again; the owner is e-mailed at most hourly. */
  | { type: 'SignUpAttemptRecorded'; data: { userId: string; attemptedAt: string } };

export type AccountEventType = AccountEvent['type'];

/** A token that was e-mailed and not used yet; only its hash is kept. */
export interface PendingToken {
  tokenHash: string;
  expiresAt: string;
}

/** What every existing account knows, active or not. */
export interface AccountDetails {
  id: string;
  /** Normalised (trimmed, lower-case); also the e-mail reservation's value. */
  email: string;
  displayName: string;
  avatarFileId: string | null;
  locale: string;
  role: Role;
  tier: Tier;
  emailVerified: boolean;
  /** The latest token of each kind; issuing a new one invalidates the previous. */
  pending: Record<AccountTokenKind, PendingToken | null>;
  /** When the last few e-mails of each kind were issued (ISO), newest last: for throttling. */
  sent: Record<AccountTokenKind, string[]>;
  /** When the owner was last told that someone registered the address again (ISO), if ever. */
  lastSignUpNoticeAt: string | null;
}

export type Account =
  | { status: 'none' }
  | ({ status: 'active' } & AccountDetails)
  | ({ status: 'deactivated' } & AccountDetails);

export type ExistingAccount = Exclude<Account, { status: 'none' }>;

/** How many issue times per kind the state keeps: enough for the daily limit. */
export const SENT_HISTORY = 5;

export const initialAccount = (): Account => ({ status: 'none' });

/** The stream of one account. */
export const accountStreamId = (userId: string): string => `account-${userId}`;

const update = (state: Account, change: (account: ExistingAccount) => ExistingAccount): Account =>
  state.status === 'none' ? state : change(state);

/** Folds one event into the account. Pure. */
export function evolveAccount(state: Account, event: AccountEvent): Account {
  switch (event.type) {
    case 'UserRegistered':
      return {
        status: 'active',
        id: event.data.userId,
        email: event.data.email,
        displayName: event.data.displayName,
        avatarFileId: null,
        locale: 'en',
        role: 'user',
        tier: 'free',
        emailVerified: false,
        pending: { email_verification: null, password_reset: null },
        sent: { email_verification: [], password_reset: [] },
        lastSignUpNoticeAt: null,
      };
    case 'AccountOpened':
      return update(state, (a) => ({
        ...a,
        locale: event.data.locale,
        role: event.data.role,
        tier: event.data.tier,
      }));
    case 'AccountTokenIssued': {
      const { kind, tokenHash, expiresAt, issuedAt } = event.data;
      return update(state, (a) => ({
        ...a,
        pending: { ...a.pending, [kind]: { tokenHash, expiresAt } },
        sent: { ...a.sent, [kind]: [...a.sent[kind], issuedAt].slice(-SENT_HISTORY) },
      }));
    }
    case 'AccountTokenConsumed':
      return update(state, (a) => ({ ...a, pending: { ...a.pending, [event.data.kind]: null } }));
    case 'EmailVerified':
      return update(state, (a) => ({
        ...a,
        emailVerified: true,
        pending: { ...a.pending, email_verification: null },
      }));
    case 'PasswordChanged':
      // A new password makes any reset link still in a mailbox useless.
      return update(state, (a) => ({ ...a, pending: { ...a.pending, password_reset: null } }));
    case 'ProfileUpdated': {
      const { displayName, avatarFileId, locale } = event.data;
      return update(state, (a) => ({ ...a, displayName, avatarFileId, locale }));
    }
    case 'UserDeactivated':
      return update(state, (a) => ({ ...a, status: 'deactivated' }));
    case 'UserReactivated':
      return update(state, (a) => ({ ...a, status: 'active' }));
    case 'UserRoleChanged':
      return update(state, (a) => ({ ...a, role: event.data.role }));
    case 'UserTierChanged':
      return update(state, (a) => ({ ...a, tier: event.data.tier }));
    case 'DuplicateSignUpAttempted':
      return update(state, (a) => ({ ...a, lastSignUpNoticeAt: event.data.attemptedAt }));
    case 'EmailVerificationRequested':
    case 'PasswordResetRequested':
    case 'PasswordHashSet':
    case 'SignUpAttemptRecorded':
      return state;
    default: {
      // Exhaustive at compile time; at run time an unknown (newer) event type leaves state as is.
      const unknown: never = event;
      void unknown;
      return state;
    }
  }
}
