import type { RecordedEvent } from '@ledgerline/eventsourcing';
import { describe, expect, it } from 'vitest';
import { accountTokensProjection } from './accountTokens.js';
import { loginAccountsProjection } from './loginAccountsProjection.js';
import { usersListProjection } from './usersList.js';

const userId = '01900000-0000-7000-8000-000000000001';
const T0 = '2026-11-23T10:00:00.000Z';
let position = 0;
const event = (type: string, data: Record<string, unknown>): RecordedEvent => ({
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
const fold = <D>(p: { evolve(d: D | null, e: RecordedEvent): D | null }, events: RecordedEvent[]) =>
  events.reduce<D | null>((doc, e) => p.evolve(doc, e), null);

const registered = event('UserRegistered', {
  userId,
  email: 'ada@example.com',
  displayName: 'Ada',
  registeredAt: T0,
});
const opened = event('AccountOpened', { userId, locale: 'de', role: 'user', tier: 'pro' });

describe('users projection', () => {
  it('builds the row from account events and from MFA and sign-in events', () => {
    const row = fold(usersListProjection, [
      registered,
      opened,
      event('EmailVerified', { userId, email: 'ada@example.com', verifiedAt: T0 }),
      event('MfaEnabled', { userId, enabledAt: T0 }),
      event('SessionOpened', { userId, sessionId: 's', openedAt: '2026-11-23T11:00:00.000Z' }),
      event('UserRoleChanged', { userId, role: 'admin', changedAt: T0, by: null }),
    ]);
    expect(row).toMatchObject({
      id: userId,
      locale: 'de',
      tier: 'pro',
      role: 'admin',
      emailVerified: true,
      mfaEnabled: true,
      lastLoginAt: '2026-11-23T11:00:00.000Z',
      status: 'active',
    });
    expect(usersListProjection.canHandle).toEqual(
      expect.arrayContaining(['MfaEnabled', 'MfaDisabled', 'SessionOpened']),
    );
  });

  it('ignores events about a user it never saw registered', () => {
    expect(fold(usersListProjection, [event('MfaEnabled', { userId })])).toBeNull();
  });
});

describe('login accounts projection', () => {
  it('keeps the password hash and status', () => {
    const row = fold(loginAccountsProjection, [
      registered,
      opened,
      event('PasswordHashSet', { userId, passwordHash: '$argon2id$x', setAt: T0 }),
      event('UserDeactivated', { userId, email: 'ada@example.com', deactivatedAt: T0, by: userId }),
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
      expiresAt: T0,
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
      expiresAt: T0,
      usedAt: T0,
    });
  });
});
