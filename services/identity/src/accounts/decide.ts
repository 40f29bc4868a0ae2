import { ConflictError, IllegalStateError, NotFoundError, type Role, type Tier } from '@ledgerline/contracts';
import type { Decider } from '@ledgerline/eventsourcing';
import {
  type Account,
  type AccountEvent,
  type AccountTokenKind,
  type ExistingAccount,
  evolveAccount,
  initialAccount,
} from './account.js';
import { assertMaySend, assertTokenUsable, expiryOf } from './tokenRules.js';

/** A token the handler generated: its hash (kept) and its sealed form (e-mailed via the event). */
export interface NewToken {
  tokenHash: string;
  sealedToken: string;
}

export type AccountCommand =
  | {
      type: 'RegisterUser';
      data: {
        userId: string;
        email: string;
        displayName: string;
        locale: string;
        passwordHash: string;
        verification: NewToken;
      };
    }
  | { type: 'VerifyEmail'; data: { tokenHash: string } }
  | { type: 'ResendVerification'; data: { verification: NewToken } }
  | { type: 'RequestPasswordReset'; data: { reset: NewToken } }
  | { type: 'ResetPassword'; data: { tokenHash: string; passwordHash: string } }
  | { type: 'ChangePassword'; data: { passwordHash: string } }
  | {
      type: 'UpdateProfile';
      data: { displayName?: string; avatarFileId?: string | null; locale?: string };
    }
  | { type: 'DeactivateAccount'; data: { by: string | null } }
  | { type: 'ReactivateAccount'; data: { by: string | null } }
  | { type: 'ChangeRole'; data: { role: Role; by: string | null } }
  | { type: 'ChangeTier'; data: { tier: Tier } }
  | { type: 'NoteSignUpAttempt'; data: Record<string, never> }
  | {
      type: 'BootstrapAdmin';
      data: { userId: string; email: string; displayName: string; passwordHash: string };
    };

export interface AccountContext {
  now: Date;
}

const DEFAULT_LOCALE = 'en';

/** At most one "someone tried to sign up with your address" e-mail per account per hour. */
export const SIGN_UP_NOTICE_INTERVAL_MS = 3600_000;

const existing = (state: Account): ExistingAccount => {
  if (state.status === 'none') throw new NotFoundError('account not found');
  return state;
};

const active = (state: Account): ExistingAccount & { status: 'active' } => {
  const account = existing(state);
  if (account.status !== 'active') throw new IllegalStateError('the account is deactivated');
  return account;
};

const recipient = (a: ExistingAccount) => ({
  userId: a.id,
  email: a.email,
  displayName: a.displayName,
  locale: a.locale,
});

/** The private issue event plus the public "please e-mail this" event of one token. */
function issue(
  a: ExistingAccount,
  kind: AccountTokenKind,
  token: NewToken,
  at: string,
  now: Date,
): AccountEvent[] {
  const expiresAt = expiryOf(kind, now);
  const issued: AccountEvent = {
    type: 'AccountTokenIssued',
    data: { userId: a.id, kind, tokenHash: token.tokenHash, expiresAt, issuedAt: at },
  };
  const mail = { ...recipient(a), sealedToken: token.sealedToken, expiresAt };
  return kind === 'email_verification'
    ? [issued, { type: 'EmailVerificationRequested', data: mail }]
    : [issued, { type: 'PasswordResetRequested', data: mail }];
}

/** The events of a new account; verification is e-mailed unless `verified` (first admin). */
function open(
  data: { userId: string; email: string; displayName: string; locale: string; passwordHash: string },
  at: string,
): AccountEvent[] {
  const { userId, email, displayName, locale, passwordHash } = data;
  return [
    { type: 'UserRegistered', data: { userId, email, displayName, registeredAt: at } },
    { type: 'AccountOpened', data: { userId, locale, role: 'user', tier: 'free' } },
    { type: 'PasswordHashSet', data: { userId, passwordHash, setAt: at } },
  ];
}

/** Decides what an account command changes. Pure; throws typed domain errors. */
export function decideAccount(
  command: AccountCommand,
  state: Account,
  { now }: AccountContext,
): AccountEvent[] {
  const at = now.toISOString();
  switch (command.type) {
    case 'RegisterUser': {
      if (state.status !== 'none') throw new ConflictError('the account already exists');
      const opened = open(command.data, at);
      const account = opened.reduce(evolveAccount, state) as ExistingAccount;
      return [...opened, ...issue(account, 'email_verification', command.data.verification, at, now)];
    }
    case 'VerifyEmail': {
      const a = active(state);
      const token = assertTokenUsable(
        a.pending.email_verification,
        'email_verification',
        command.data.tokenHash,
        now,
      );
      return [
        {
          type: 'AccountTokenConsumed',
          data: { userId: a.id, kind: 'email_verification', tokenHash: token.tokenHash, consumedAt: at },
        },
        { type: 'EmailVerified', data: { userId: a.id, email: a.email, verifiedAt: at } },
      ];
    }
    case 'ResendVerification': {
      const a = active(state);
      if (a.emailVerified) throw new IllegalStateError('the e-mail address is already verified');
      assertMaySend(a, 'email_verification', now);
      return issue(a, 'email_verification', command.data.verification, at, now);
    }
    case 'RequestPasswordReset': {
      const a = active(state);
      assertMaySend(a, 'password_reset', now);
      return issue(a, 'password_reset', command.data.reset, at, now);
    }
    case 'ResetPassword': {
      const a = active(state);
      const token = assertTokenUsable(
        a.pending.password_reset,
        'password_reset',
        command.data.tokenHash,
        now,
      );
      // The reset link arrived in the mailbox, which proves the address as well as a verification link.
      const verified: AccountEvent[] = a.emailVerified
        ? []
        : [{ type: 'EmailVerified', data: { userId: a.id, email: a.email, verifiedAt: at } }];
      return [
        {
          type: 'AccountTokenConsumed',
          data: { userId: a.id, kind: 'password_reset', tokenHash: token.tokenHash, consumedAt: at },
        },
        {
          type: 'PasswordHashSet',
          data: { userId: a.id, passwordHash: command.data.passwordHash, setAt: at },
        },
        ...verified,
        { type: 'PasswordChanged', data: { ...recipient(a), changedAt: at, reason: 'reset' } },
      ];
    }
    case 'ChangePassword': {
      const a = active(state);
      return [
        {
          type: 'PasswordHashSet',
          data: { userId: a.id, passwordHash: command.data.passwordHash, setAt: at },
        },
        { type: 'PasswordChanged', data: { ...recipient(a), changedAt: at, reason: 'changed' } },
      ];
    }
    case 'UpdateProfile': {
      const a = active(state);
      const next = {
        displayName: command.data.displayName ?? a.displayName,
        avatarFileId: command.data.avatarFileId === undefined ? a.avatarFileId : command.data.avatarFileId,
        locale: command.data.locale ?? a.locale,
      };
      const unchanged =
        next.displayName === a.displayName &&
        next.avatarFileId === a.avatarFileId &&
        next.locale === a.locale;
      return unchanged ? [] : [{ type: 'ProfileUpdated', data: { userId: a.id, ...next, updatedAt: at } }];
    }
    case 'DeactivateAccount': {
      const a = existing(state);
      if (a.status === 'deactivated') return [];
      return [
        {
          type: 'UserDeactivated',
          data: { userId: a.id, email: a.email, deactivatedAt: at, by: command.data.by },
        },
      ];
    }
    case 'ReactivateAccount': {
      const a = existing(state);
      if (a.status === 'active') return [];
      return [{ type: 'UserReactivated', data: { userId: a.id, reactivatedAt: at, by: command.data.by } }];
    }
    case 'ChangeRole': {
      const a = existing(state);
      if (a.role === command.data.role) return [];
      return [
        {
          type: 'UserRoleChanged',
          data: { userId: a.id, role: command.data.role, changedAt: at, by: command.data.by },
        },
      ];
    }
    case 'ChangeTier': {
      const a = existing(state);
      if (a.tier === command.data.tier) return [];
      return [{ type: 'UserTierChanged', data: { userId: a.id, tier: command.data.tier, changedAt: at } }];
    }
    case 'NoteSignUpAttempt': {
      // Always one append (the record), so a throttled notice costs what a sent one does: the
      // registration's reply time says nothing about the address either way.
      const a = existing(state);
      const recorded: AccountEvent = {
        type: 'SignUpAttemptRecorded',
        data: { userId: a.id, attemptedAt: at },
      };
      const last = a.lastSignUpNoticeAt === null ? null : Date.parse(a.lastSignUpNoticeAt);
      if (last !== null && now.getTime() - last < SIGN_UP_NOTICE_INTERVAL_MS) return [recorded];
      return [recorded, { type: 'DuplicateSignUpAttempted', data: { ...recipient(a), attemptedAt: at } }];
    }
    case 'BootstrapAdmin': {
      const promote: AccountEvent[] = [];
      if (state.status === 'none') {
        const opened = open({ ...command.data, locale: DEFAULT_LOCALE }, at);
        const { userId, email } = command.data;
        return [
          ...opened,
          { type: 'EmailVerified', data: { userId, email, verifiedAt: at } },
          { type: 'UserRoleChanged', data: { userId, role: 'admin', changedAt: at, by: null } },
        ];
      }
      if (state.status === 'deactivated') {
        promote.push({ type: 'UserReactivated', data: { userId: state.id, reactivatedAt: at, by: null } });
      }
      if (state.role !== 'admin') {
        promote.push({
          type: 'UserRoleChanged',
          data: { userId: state.id, role: 'admin', changedAt: at, by: null },
        });
      }
      return promote;
    }
    default: {
      const unknown: never = command;
      throw new Error(`unknown account command ${JSON.stringify(unknown)}`);
    }
  }
}

/** The account decider (stream `account-<userId>`). */
export const accountDecider: Decider<AccountCommand, AccountEvent, Account, AccountContext> = {
  decide: decideAccount,
  evolve: evolveAccount,
  initialState: initialAccount,
};
