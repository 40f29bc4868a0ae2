import { NotFoundError, UnauthorizedError } from '@ledgerline/contracts';
import { deciderSpec } from '@ledgerline/eventsourcing';
import { describe, expect, it } from 'vitest';
import { type SessionCommand, sessionDecider } from './decide.js';
import { issueRefreshToken, parseRefreshToken } from './refreshTokens.js';
import { revocationFor } from './revocationTriggers.js';
import type { SessionEvent } from './session.js';

let now = new Date('2026-11-23T10:00:00.000Z');
const T0 = '2026-11-23T10:00:00.000Z';
const userId = '01900000-0000-7000-8000-000000000001';
const otherUser = '01900000-0000-7000-8000-000000000002';
const sessionId = '01900000-0000-7000-8000-0000000000aa';
const recipient = { userId, email: 'ada@example.com', displayName: 'Ada', locale: 'en' };
const ttl = 3600;
const given = deciderSpec(sessionDecider, () => ({ now, refreshTokenTtlSeconds: ttl, recipient }));
const at = (iso: string) => {
  now = new Date(iso);
  return iso;
};
const plus = (iso: string, seconds: number) => new Date(Date.parse(iso) + seconds * 1000).toISOString();
const client = { ip: '203.0.113.9', userAgent: 'Firefox' };

const opened: SessionEvent = {
  type: 'SessionOpened',
  data: {
    sessionId,
    userId,
    ip: client.ip,
    userAgent: client.userAgent,
    mfa: false,
    method: 'password',
    refreshTokenHash: 'h1',
    openedAt: T0,
    expiresAt: plus(T0, ttl),
  },
};
const refreshed = (hash: string, time: string): SessionEvent => ({
  type: 'SessionRefreshed',
  data: {
    sessionId,
    userId,
    refreshTokenHash: hash,
    refreshedAt: time,
    expiresAt: plus(time, ttl),
    ip: client.ip,
    userAgent: client.userAgent,
  },
});
const revoked = (
  reason: 'logout' | 'revoked_by_user' | 'refresh_token_reuse',
  time: string,
): SessionEvent => ({
  type: 'SessionRevoked',
  data: { ...recipient, sessionId, reason, revokedAt: time },
});
const refresh = (presentedHash: string, newHash: string): SessionCommand => ({
  type: 'RefreshSession',
  data: { presentedHash, newHash, ip: client.ip, userAgent: client.userAgent },
});

describe('session', () => {
  it('opens with the refresh-token hash and an expiry', () => {
    at(T0);
    given([])
      .when({
        type: 'OpenSession',
        data: {
          sessionId,
          userId,
          refreshTokenHash: 'h1',
          ip: client.ip,
          userAgent: client.userAgent,
          mfa: false,
          method: 'password',
        },
      })
      .then([opened]);
  });

  it('rotates the refresh token on every use', () => {
    const t = at('2026-11-23T10:10:00.000Z');
    given([opened])
      .when(refresh('h1', 'h2'))
      .then([refreshed('h2', t)]);
    const t2 = at('2026-11-23T10:20:00.000Z');
    given([opened, refreshed('h2', '2026-11-23T10:10:00.000Z')])
      .when(refresh('h2', 'h3'))
      .then([refreshed('h3', t2)]);
  });

  it('a rotated token presented again is reuse: the whole session is revoked', () => {
    const t = at('2026-11-23T10:20:00.000Z');
    given([opened, refreshed('h2', '2026-11-23T10:10:00.000Z')])
      .when(refresh('h1', 'h3'))
      .then([revoked('refresh_token_reuse', t)]);
  });

  it('after reuse revocation even the newest token is refused', () => {
    at('2026-11-23T10:30:00.000Z');
    given([
      opened,
      refreshed('h2', '2026-11-23T10:10:00.000Z'),
      revoked('refresh_token_reuse', '2026-11-23T10:20:00.000Z'),
    ])
      .when(refresh('h2', 'h4'))
      .thenThrows(UnauthorizedError);
  });

  it('an expired session cannot refresh', () => {
    at(plus(T0, ttl));
    given([opened]).when(refresh('h1', 'h2')).thenThrows(UnauthorizedError);
  });

  it('a token that was never issued is refused without ending the session', () => {
    at(T0);
    given([opened]).when(refresh('forged', 'h2')).thenThrows(UnauthorizedError);
  });

  it('an unknown session cannot refresh', () => {
    given([]).when(refresh('h1', 'h2')).thenThrows(UnauthorizedError);
  });

  it('logout by the owner ends the session; twice is harmless', () => {
    const t = at('2026-11-23T10:05:00.000Z');
    const logout: SessionCommand = { type: 'EndSession', data: { by: { userId }, reason: 'logout' } };
    given([opened])
      .when(logout)
      .then([revoked('logout', t)]);
    given([opened, revoked('logout', t)])
      .when(logout)
      .then([]);
  });

  it('logout by refresh token needs the current token', () => {
    const t = at('2026-11-23T10:05:00.000Z');
    const by = (hash: string): SessionCommand => ({
      type: 'EndSession',
      data: { by: { refreshTokenHash: hash }, reason: 'logout' },
    });
    given([opened])
      .when(by('h1'))
      .then([revoked('logout', t)]);
    given([opened]).when(by('nope')).thenThrows(UnauthorizedError);
  });

  it("revoking someone else's session looks like a missing one", () => {
    given([opened])
      .when({ type: 'EndSession', data: { by: { userId: otherUser }, reason: 'revoked_by_user' } })
      .thenThrows(NotFoundError);
  });

  it('ending all sessions spares those opened after the trigger (safe replay)', () => {
    const t = at('2026-11-23T11:00:00.000Z');
    const all = (openedBefore: string): SessionCommand => ({
      type: 'EndAsPartOfAll',
      data: { reason: 'password_reset', openedBefore },
    });
    given([opened])
      .when(all('2026-11-23T10:30:00.000Z'))
      .then([{ type: 'SessionEnded', data: { sessionId, userId, reason: 'password_reset', endedAt: t } }]);
    given([opened]).when(all('2026-11-23T09:00:00.000Z')).then([]);
    given([opened, revoked('logout', T0)])
      .when(all(t))
      .then([]);
  });
});

describe('refresh tokens', () => {
  it('are <sessionId>.<secret> and parse back to the session and the stored hash', () => {
    const issued = issueRefreshToken(sessionId);
    expect(issued.token.startsWith(`${sessionId}.`)).toBe(true);
    expect(parseRefreshToken(issued.token)).toEqual({ sessionId, hash: issued.hash });
    expect(issued.hash).not.toContain(issued.token.split('.')[1]);
  });

  it('anything else is not a refresh token', () => {
    expect(parseRefreshToken('not-a-token-at-all')).toBeNull();
    expect(parseRefreshToken(`${sessionId}.short`)).toBeNull();
  });
});

describe('revocation triggers', () => {
  const base = { userId, email: 'ada@example.com', displayName: 'Ada', locale: 'en', changedAt: T0 };
  it('a password reset ends every session with reason password_reset', () => {
    expect(revocationFor({ type: 'PasswordChanged', data: { ...base, reason: 'reset' } })).toMatchObject({
      userId,
      reason: 'password_reset',
      openedBefore: T0,
    });
  });
  it('a password change ends every session with reason password_changed', () => {
    expect(revocationFor({ type: 'PasswordChanged', data: { ...base, reason: 'changed' } })?.reason).toBe(
      'password_changed',
    );
  });
  it('a deactivation ends every session', () => {
    const data = { userId, email: 'ada@example.com', deactivatedAt: T0, by: null };
    expect(revocationFor({ type: 'UserDeactivated', data })?.reason).toBe('deactivated');
  });
  it('other events end nothing', () => {
    expect(revocationFor({ type: 'EmailVerified', data: {} })).toBeNull();
  });
});
