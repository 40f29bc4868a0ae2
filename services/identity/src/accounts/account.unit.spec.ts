import {
  ConflictError,
  IllegalStateError,
  NotFoundError,
  RateLimitedError,
  ValidationError,
} from '@ledgerline/contracts';
import { deciderSpec } from '@ledgerline/eventsourcing';
import { describe, it } from 'vitest';
import type { AccountEvent } from './account.js';
import { type AccountCommand, accountDecider } from './decide.js';

let now = new Date('2026-11-23T10:00:00.000Z');
const given = deciderSpec(accountDecider, () => ({ now }));
const at = (iso: string) => {
  now = new Date(iso);
  return now.toISOString();
};
const T0 = '2026-11-23T10:00:00.000Z';
const userId = '01900000-0000-7000-8000-000000000001';
const adminId = '01900000-0000-7000-8000-000000000002';
const email = 'ada@example.com';
const recipient = { userId, email, displayName: 'Ada', locale: 'en' };
const verification = { tokenHash: 'hash-v1', sealedToken: 'sealed-v1' };

const registered = (time = T0, token = verification): AccountEvent[] => [
  { type: 'UserRegistered', data: { userId, email, displayName: 'Ada', registeredAt: time } },
  { type: 'AccountOpened', data: { userId, locale: 'en', role: 'user', tier: 'free' } },
  { type: 'PasswordHashSet', data: { userId, passwordHash: 'argon2-hash', setAt: time } },
  ...issued('email_verification', token, time, '2026-11-24T10:00:00.000Z'),
];

function issued(
  kind: 'email_verification' | 'password_reset',
  token: { tokenHash: string; sealedToken: string },
  issuedAt: string,
  expiresAt: string,
): AccountEvent[] {
  const mail = { ...recipient, sealedToken: token.sealedToken, expiresAt };
  return [
    { type: 'AccountTokenIssued', data: { userId, kind, tokenHash: token.tokenHash, expiresAt, issuedAt } },
    kind === 'email_verification'
      ? { type: 'EmailVerificationRequested', data: mail }
      : { type: 'PasswordResetRequested', data: mail },
  ];
}

const register: AccountCommand = {
  type: 'RegisterUser',
  data: { userId, email, displayName: 'Ada', locale: 'en', passwordHash: 'argon2-hash', verification },
};
const verified: AccountEvent = { type: 'EmailVerified', data: { userId, email, verifiedAt: T0 } };
const deactivated: AccountEvent = {
  type: 'UserDeactivated',
  data: { userId, email, deactivatedAt: T0, by: userId },
};

describe('register', () => {
  it('opens the account and e-mails a 24-hour verification token', () => {
    at(T0);
    given([]).when(register).then(registered());
  });
  it('refuses a second registration on the same stream', () => {
    given(registered()).when(register).thenThrows(ConflictError);
  });
});

describe('a sign-up with a taken address', () => {
  const note: AccountCommand = { type: 'NoteSignUpAttempt', data: {} };
  it('records the attempt and tells the owner, at most once an hour', () => {
    const first = at('2026-11-23T11:00:00.000Z');
    const recorded = (attemptedAt: string): AccountEvent => ({
      type: 'SignUpAttemptRecorded',
      data: { userId, attemptedAt },
    });
    const told: AccountEvent = {
      type: 'DuplicateSignUpAttempted',
      data: { ...recipient, attemptedAt: first },
    };
    given(registered())
      .when(note)
      .then([recorded(first), told]);
    const soon = at('2026-11-23T11:59:59.000Z');
    given([...registered(), recorded(first), told])
      .when(note)
      .then([recorded(soon)]);
    const later = at('2026-11-23T12:00:00.000Z');
    given([...registered(), recorded(first), told])
      .when(note)
      .then([recorded(later), { ...told, data: { ...told.data, attemptedAt: later } }]);
  });
  it('tells the owner of a deactivated account too', () => {
    const time = at('2026-11-23T11:00:00.000Z');
    given([...registered(), deactivated])
      .when(note)
      .then([
        { type: 'SignUpAttemptRecorded', data: { userId, attemptedAt: time } },
        { type: 'DuplicateSignUpAttempted', data: { ...recipient, attemptedAt: time } },
      ]);
  });
});

describe('verify e-mail', () => {
  const verify = (tokenHash: string): AccountCommand => ({ type: 'VerifyEmail', data: { tokenHash } });
  it('consumes the pending token and verifies the address', () => {
    at(T0);
    given(registered())
      .when(verify('hash-v1'))
      .then([
        {
          type: 'AccountTokenConsumed',
          data: { userId, kind: 'email_verification', tokenHash: 'hash-v1', consumedAt: T0 },
        },
        verified,
      ]);
  });
  it('rejects an unknown, a reused and an expired token', () => {
    at(T0);
    given(registered()).when(verify('other')).thenThrows(ValidationError);
    given([...registered(), verified])
      .when(verify('hash-v1'))
      .thenThrows(ValidationError);
    at('2026-11-24T10:00:00.000Z');
    given(registered()).when(verify('hash-v1')).thenThrows(ValidationError, 'expired');
  });
  it('accepts only the latest token after a resend', () => {
    at('2026-11-23T10:05:00.000Z');
    const resent = issued(
      'email_verification',
      { tokenHash: 'hash-v2', sealedToken: 's2' },
      now.toISOString(),
      '2026-11-24T10:05:00.000Z',
    );
    given([...registered(), ...resent])
      .when(verify('hash-v1'))
      .thenThrows(ValidationError);
  });
  it('refuses a deactivated account and an unknown one', () => {
    given([...registered(), deactivated])
      .when(verify('hash-v1'))
      .thenThrows(IllegalStateError);
    given([]).when(verify('hash-v1')).thenThrows(NotFoundError);
  });
});

describe('resend verification', () => {
  const resend: AccountCommand = {
    type: 'ResendVerification',
    data: { verification: { tokenHash: 'h2', sealedToken: 's2' } },
  };
  it('issues a new token a minute after the last one', () => {
    const t = at('2026-11-23T10:01:00.000Z');
    given(registered())
      .when(resend)
      .then(
        issued('email_verification', { tokenHash: 'h2', sealedToken: 's2' }, t, '2026-11-24T10:01:00.000Z'),
      );
  });
  it('throttles: one per minute, five per day', () => {
    at('2026-11-23T10:00:59.000Z');
    given(registered()).when(resend).thenThrows(RateLimitedError, 'less than a minute');
    const four = [1, 2, 3, 4].flatMap((m) =>
      issued(
        'email_verification',
        { tokenHash: `h${m}`, sealedToken: 's' },
        `2026-11-23T1${m}:00:00.000Z`,
        'x',
      ),
    );
    at('2026-11-23T20:00:00.000Z');
    given([...registered(), ...four])
      .when(resend)
      .thenThrows(RateLimitedError, 'today');
    at('2026-11-24T10:30:00.000Z');
    given([...registered(), ...four])
      .when(resend)
      .then(
        issued(
          'email_verification',
          { tokenHash: 'h2', sealedToken: 's2' },
          now.toISOString(),
          '2026-11-25T10:30:00.000Z',
        ),
      );
  });
  it('refuses a verified account', () => {
    at('2026-11-23T11:00:00.000Z');
    given([...registered(), verified])
      .when(resend)
      .thenThrows(IllegalStateError);
  });
});

describe('password reset', () => {
  const reset = { tokenHash: 'r1', sealedToken: 'sr1' };
  const requestReset: AccountCommand = { type: 'RequestPasswordReset', data: { reset } };
  const resetWith = (tokenHash: string): AccountCommand => ({
    type: 'ResetPassword',
    data: { tokenHash, passwordHash: 'new-hash' },
  });
  const requested = () => issued('password_reset', reset, T0, '2026-11-23T10:30:00.000Z');

  it('e-mails a 30-minute token', () => {
    at(T0);
    given(registered('2026-11-22T10:00:00.000Z')).when(requestReset).then(requested());
  });
  it('sets the password, verifies the address and announces the change', () => {
    const t = at('2026-11-23T10:10:00.000Z');
    given([...registered('2026-11-22T10:00:00.000Z'), ...requested()])
      .when(resetWith('r1'))
      .then([
        {
          type: 'AccountTokenConsumed',
          data: { userId, kind: 'password_reset', tokenHash: 'r1', consumedAt: t },
        },
        { type: 'PasswordHashSet', data: { userId, passwordHash: 'new-hash', setAt: t } },
        { type: 'EmailVerified', data: { userId, email, verifiedAt: t } },
        { type: 'PasswordChanged', data: { ...recipient, changedAt: t, reason: 'reset' } },
      ]);
  });
  it('rejects an expired, a wrong or a used token', () => {
    const base = [...registered('2026-11-22T10:00:00.000Z'), ...requested()];
    at('2026-11-23T10:30:00.000Z');
    given(base).when(resetWith('r1')).thenThrows(ValidationError, 'expired');
    at('2026-11-23T10:10:00.000Z');
    given(base).when(resetWith('r2')).thenThrows(ValidationError);
    const changed: AccountEvent = {
      type: 'PasswordChanged',
      data: { ...recipient, changedAt: T0, reason: 'changed' },
    };
    given([...base, changed])
      .when(resetWith('r1'))
      .thenThrows(ValidationError);
  });
  it('is refused for a deactivated account', () => {
    at(T0);
    given([...registered('2026-11-22T10:00:00.000Z'), deactivated])
      .when(requestReset)
      .thenThrows(IllegalStateError);
  });
});

describe('change password and profile', () => {
  it('sets the new hash and announces a change', () => {
    const t = at(T0);
    given(registered())
      .when({ type: 'ChangePassword', data: { passwordHash: 'h' } })
      .then([
        { type: 'PasswordHashSet', data: { userId, passwordHash: 'h', setAt: t } },
        { type: 'PasswordChanged', data: { ...recipient, changedAt: t, reason: 'changed' } },
      ]);
  });
  it('updates only what is given, and nothing when nothing changes', () => {
    const t = at(T0);
    given(registered())
      .when({ type: 'UpdateProfile', data: { locale: 'pt-BR' } })
      .then([
        {
          type: 'ProfileUpdated',
          data: { userId, displayName: 'Ada', avatarFileId: null, locale: 'pt-BR', updatedAt: t },
        },
      ]);
    given(registered())
      .when({ type: 'UpdateProfile', data: { displayName: 'Ada' } })
      .then([]);
    given([...registered(), deactivated])
      .when({ type: 'UpdateProfile', data: { displayName: 'X' } })
      .thenThrows(IllegalStateError);
  });
});

describe('activation, role and tier', () => {
  it('deactivates once and reactivates once', () => {
    const t = at(T0);
    given(registered())
      .when({ type: 'DeactivateAccount', data: { by: userId } })
      .then([{ ...deactivated, data: { ...deactivated.data, deactivatedAt: t } }]);
    given([...registered(), deactivated])
      .when({ type: 'DeactivateAccount', data: { by: userId } })
      .then([]);
    given([...registered(), deactivated])
      .when({ type: 'ReactivateAccount', data: { by: adminId } })
      .then([{ type: 'UserReactivated', data: { userId, reactivatedAt: t, by: adminId } }]);
    given(registered())
      .when({ type: 'ReactivateAccount', data: { by: adminId } })
      .then([]);
  });
  it('changes role and tier only when they differ', () => {
    const t = at(T0);
    given(registered())
      .when({ type: 'ChangeRole', data: { role: 'admin', by: adminId } })
      .then([{ type: 'UserRoleChanged', data: { userId, role: 'admin', changedAt: t, by: adminId } }]);
    given(registered())
      .when({ type: 'ChangeRole', data: { role: 'user', by: adminId } })
      .then([]);
    given(registered())
      .when({ type: 'ChangeTier', data: { tier: 'pro' } })
      .then([{ type: 'UserTierChanged', data: { userId, tier: 'pro', changedAt: t } }]);
    given(registered())
      .when({ type: 'ChangeTier', data: { tier: 'free' } })
      .then([]);
    given([])
      .when({ type: 'ChangeTier', data: { tier: 'pro' } })
      .thenThrows(NotFoundError);
  });
});

describe('bootstrap admin', () => {
  const bootstrap: AccountCommand = {
    type: 'BootstrapAdmin',
    data: { userId, email, displayName: 'Ada', passwordHash: 'argon2-hash' },
  };
  const promoted = (t: string): AccountEvent => ({
    type: 'UserRoleChanged',
    data: { userId, role: 'admin', changedAt: t, by: null },
  });
  it('creates a verified admin', () => {
    const t = at(T0);
    given([])
      .when(bootstrap)
      .then([
        ...registered().slice(0, 3),
        { ...verified, data: { ...verified.data, verifiedAt: t } },
        promoted(t),
      ]);
  });
  it('promotes (and reactivates) an existing account, then does nothing', () => {
    const t = at(T0);
    given(registered())
      .when(bootstrap)
      .then([promoted(t)]);
    given([...registered(), deactivated])
      .when(bootstrap)
      .then([{ type: 'UserReactivated', data: { userId, reactivatedAt: t, by: null } }, promoted(t)]);
    given([...registered(), promoted(t)])
      .when(bootstrap)
      .then([]);
  });
});
