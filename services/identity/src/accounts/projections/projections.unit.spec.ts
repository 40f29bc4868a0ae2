import type { RecordedEvent } from '@ledgerline/eventsourcing';
import { describe, expect, it } from 'vitest';
import type { MfaEvent } from '../../mfa/mfa.js';
import type { SessionEvent } from '../../sessions/session.js';
import type { AccountEvent } from '../account.js';
import { accountTokensProjection } from './accountTokens.js';
import { loginAccountsProjection } from './loginAccountsProjection.js';
import { usersListProjection } from './usersList.js';

type IdentityEvent = AccountEvent | MfaEvent | SessionEvent;
type DataOf<T extends IdentityEvent['type']> = Extract<IdentityEvent, { type: T }>['data'];

const userId = '01900000-0000-7000-8000-000000000001';
const sessionId = '01900000-0000-7000-8000-0000000000a1';
const T0 = '2026-11-23T10:00:00.000Z';
const T1 = '2026-11-23T11:00:00.000Z';
const recipient = { userId, email: 'ada@example.com', displayName: 'Ada', locale: 'de' };
let position = 0;
// Typed by the event's type, so each projection gets exactly the union it declares.
const event = <T extends IdentityEvent['type']>(type: T, data: DataOf<T>): RecordedEvent<T, DataOf<T>> => ({
  id: `e${++position}`,
  type,
  schemaVersion: 1,
  streamId: `account-${userId}`,
  streamPosition: position,
  globalPosition: position,
  transactionId: 1,
  occurredAt: T0,
  data,
  meta: {},
});
const fold = <D, E>(p: { evolve(d: D | null, e: E): D | null }, events: NoInfer<E>[]) =>
  events.reduce<D | null>((doc, e) => p.evolve(doc, e), null);

const registered = event('UserRegistered', {
  userId,
  email: 'ada@example.com',
  displayName: 'Ada',
  registeredAt: T0,
});
const opened = event('AccountOpened', { userId, locale: 'de', role: 'user', tier: 'pro' });
const sessionOpened = event('SessionOpened', {
  sessionId,
  userId,
  openedAt: T1,
  expiresAt: '2026-12-23T11:00:00.000Z',
  refreshTokenHash: 'r1',
  ip: '192.0.2.1',
  userAgent: 'curl',
  mfa: false,
  method: 'password',
});

describe('users projection', () => {
  it('builds the row from account events and from MFA and sign-in events', () => {
    const row = fold(usersListProjection, [
      registered,
      opened,
      event('EmailVerified', { ...recipient, verifiedAt: T0 }),
      event('MfaEnabled', { ...recipient, enabledAt: T0 }),
      sessionOpened,
      event('UserRoleChanged', { ...recipient, role: 'admin', changedAt: T0, by: null }),
    ]);
    expect(row).toMatchObject({
      id: userId,
      locale: 'de',
      tier: 'pro',
      role: 'admin',
      emailVerified: true,
      mfaEnabled: true,
      createdAt: new Date(T0),
      lastLoginAt: new Date(T1),
      status: 'active',
    });
    expect(usersListProjection.canHandle).toEqual(
      expect.arrayContaining(['MfaEnabled', 'MfaDisabled', 'SessionOpened']),
    );
  });

  it('ignores events about a user it never saw registered', () => {
    expect(fold(usersListProjection, [event('MfaEnabled', { ...recipient, enabledAt: T0 })])).toBeNull();
  });
});

describe('login accounts projection', () => {
  it('keeps the password hash and status', () => {
    const row = fold(loginAccountsProjection, [
      registered,
      opened,
      event('PasswordHashSet', { userId, passwordHash: '$argon2id$x', setAt: T0 }),
      event('UserDeactivated', { ...recipient, deactivatedAt: T0, by: userId }),
    ]);
    expect(row).toMatchObject({
      normalisedEmail: 'ada@example.com',
      passwordHash: '$argon2id$x',
      status: 'deactivated',
    });
  });
});

describe('account tokens projection', () => {
  it('maps a token hash to its account and marks it used', () => {
    const issued = event('AccountTokenIssued', {
      userId,
      kind: 'password_reset',
      tokenHash: 'h',
      expiresAt: T1,
      issuedAt: T0,
    });
    const consumed = event('AccountTokenConsumed', {
      userId,
      kind: 'password_reset',
      tokenHash: 'h',
      consumedAt: T0,
    });
    expect(accountTokensProjection.documentId(issued)).toBe('h');
    expect(fold(accountTokensProjection, [issued, consumed])).toEqual({
      tokenHash: 'h',
      userId,
      kind: 'password_reset',
      expiresAt: new Date(T1),
      usedAt: new Date(T0),
    });
  });
});
