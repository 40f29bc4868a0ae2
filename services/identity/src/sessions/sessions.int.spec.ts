import { listMySessionsQuery, refreshSessionCommand, sessionRevokedEvent } from '@ledgerline/contracts';
import { reactorContext } from '@ledgerline/eventsourcing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deactivateAccount } from '../accounts/administration.js';
import { changePassword, requestPasswordReset, resetPassword } from '../accounts/passwordFlows.js';
import { type AuthHarness, authHarness, codeOf, PASSWORD, tokensOf } from './authHarness.test-helpers.js';
import { userSessionsStream } from './revokeAll.js';
import { sessionRevocationReactor } from './sessionRevocationReactor.js';

let h: AuthHarness;
beforeAll(async () => {
  h = await authHarness('sessions');
});
afterAll(async () => {
  await h?.close();
});

const client = { ip: '198.51.100.20', userAgent: 'vitest' };
const signIn = async (email: string, userAgent = 'vitest') =>
  tokensOf(await h.auth.passwordLogin.login({ email, password: PASSWORD, client: { ...client, userAgent } }));
const refresh = (token: string) => h.auth.sessions.refresh(token, client);
const live = async (userId: string) =>
  (await h.auth.sessions.list(userId, undefined)).map((s) => s.id).sort();
const announcements = async (userId: string) =>
  (await h.ctx.store.readStream(userSessionsStream(userId))).map((e) =>
    sessionRevokedEvent.data.parse(e.data),
  );

describe('refresh', () => {
  it('rotates the refresh token on every use and keeps the session', async () => {
    const { email } = await h.register('rotate');
    const first = await signIn(email);
    const second = refreshSessionCommand.reply.parse(await refresh(first.refreshToken));
    expect(second.sessionId).toBe(first.sessionId);
    expect(second.refreshToken).not.toBe(first.refreshToken);
    const third = await refresh(second.refreshToken);
    expect(third.sessionId).toBe(first.sessionId);
  });

  it('reusing a rotated token revokes the whole session family', async () => {
    const { userId, email } = await h.register('reuse');
    const first = await signIn(email);
    const second = await refresh(first.refreshToken);
    expect(await codeOf(refresh(first.refreshToken))).toBe('UNAUTHORIZED');
    // The thief's reuse ended the session: the legitimate newest token is dead too.
    expect(await codeOf(refresh(second.refreshToken))).toBe('UNAUTHORIZED');
    const events = await h.ctx.store.readStream(`session-${first.sessionId}`);
    const revoked = events.find((e) => e.type === 'SessionRevoked');
    expect(sessionRevokedEvent.data.parse(revoked?.data)).toMatchObject({
      userId,
      sessionId: first.sessionId,
      reason: 'refresh_token_reuse',
    });
    expect(await live(userId)).toEqual([]);
  });

  it('refuses forged and malformed tokens', async () => {
    const { email } = await h.register('forged');
    const tokens = await signIn(email);
    expect(await codeOf(refresh(`${tokens.sessionId}.${'A'.repeat(43)}`))).toBe('UNAUTHORIZED');
    expect(await codeOf(refresh('not-a-refresh-token'))).toBe('UNAUTHORIZED');
    // A forged secret is not reuse: the real token still works.
    expect(await codeOf(refresh(tokens.refreshToken))).toBe('resolved');
  });

  it('refuses an expired session', async () => {
    const { email } = await h.register('expired');
    const tokens = await signIn(email);
    const later = new Date(Date.now() + (h.ctx.config.REFRESH_TOKEN_TTL_SECONDS + 1) * 1000);
    expect(await codeOf(h.auth.sessions.refresh(tokens.refreshToken, client, later))).toBe('UNAUTHORIZED');
  });
});

describe('logout and listing', () => {
  it('lists my sessions with device, ip, times and the current one flagged', async () => {
    const { userId, email } = await h.register('list');
    const a = await signIn(email, 'Firefox');
    const b = await signIn(email, 'Safari');
    const { items: sessions, nextCursor } = listMySessionsQuery.reply.parse({
      items: await h.auth.sessions.list(userId, b.sessionId),
      nextCursor: null,
    });
    expect(nextCursor).toBeNull();
    expect(sessions.map((s) => [s.id, s.userAgent, s.current])).toEqual([
      [b.sessionId, 'Safari', true],
      [a.sessionId, 'Firefox', false],
    ]);
    expect(sessions[0]).toMatchObject({ ip: client.ip });
    await refresh(a.refreshToken);
    const after = await h.auth.sessions.list(userId, b.sessionId);
    const refreshed = after.find((s) => s.id === a.sessionId)!;
    expect(Date.parse(refreshed.lastSeenAt)).toBeGreaterThanOrEqual(Date.parse(refreshed.createdAt));
  });

  it('logs out by session id or by refresh token', async () => {
    const { userId, email } = await h.register('logout');
    const a = await signIn(email);
    const b = await signIn(email);
    await h.auth.sessions.logout({ userId, sessionId: a.sessionId });
    await h.auth.sessions.logout({ refreshToken: b.refreshToken });
    expect(await live(userId)).toEqual([]);
    expect(await codeOf(refresh(a.refreshToken))).toBe('UNAUTHORIZED');
    expect(await codeOf(refresh(b.refreshToken))).toBe('UNAUTHORIZED');
    // Logging out twice is harmless.
    expect(await codeOf(h.auth.sessions.logout({ userId, sessionId: a.sessionId }))).toBe('resolved');
  });

  it("revokes one of my sessions, but not someone else's", async () => {
    const me = await h.register('revoker');
    const other = await h.register('victim');
    const mine = await signIn(me.email);
    const theirs = await signIn(other.email);
    expect(await codeOf(h.auth.sessions.revoke(me.userId, theirs.sessionId))).toBe('NOT_FOUND');
    expect(await codeOf(h.auth.sessions.revoke(me.userId, crypto.randomUUID()))).toBe('NOT_FOUND');
    await h.auth.sessions.revoke(me.userId, mine.sessionId);
    expect(await live(me.userId)).toEqual([]);
    expect(await live(other.userId)).toEqual([theirs.sessionId]);
  });

  it('logs out everywhere with one announcement', async () => {
    const { userId, email } = await h.register('everywhere');
    const sessions = [await signIn(email), await signIn(email), await signIn(email)];
    expect(await h.auth.sessions.logoutAll(userId)).toBe(3);
    expect(await live(userId)).toEqual([]);
    for (const s of sessions) expect(await codeOf(refresh(s.refreshToken))).toBe('UNAUTHORIZED');
    expect(await announcements(userId)).toEqual([
      expect.objectContaining({ userId, sessionId: null, reason: 'logout_all' }),
    ]);
    expect(await h.auth.sessions.logoutAll(userId)).toBe(0);
  });
});

describe('revocation on account events', () => {
  // Before the reply, in the same transaction as the password event: no polling here.
  it('a password reset ends every session before it replies', async () => {
    const { userId, email } = await h.register('reset');
    const tokens = [await signIn(email), await signIn(email)];
    await requestPasswordReset(h.deps, { email });
    await h.deps.afterReply.drain();
    const token = await h.sealedTokenOf(userId, 'PasswordResetRequested');
    await resetPassword(h.deps, { token, newPassword: 'an entirely new passphrase' });
    for (const t of tokens) expect(await codeOf(refresh(t.refreshToken))).toBe('UNAUTHORIZED');
    expect(await live(userId)).toEqual([]);
    const [announcement] = await announcements(userId);
    expect(announcement).toMatchObject({ sessionId: null, reason: 'password_reset', email });
  });

  it('a password change ends every session before it replies', async () => {
    const { userId, email } = await h.register('change');
    const { refreshToken } = await signIn(email);
    await changePassword(h.deps, {
      userId,
      currentPassword: PASSWORD,
      newPassword: 'another long passphrase',
    });
    expect(await live(userId)).toEqual([]);
    expect(await codeOf(refresh(refreshToken))).toBe('UNAUTHORIZED');
    expect((await announcements(userId)).map((a) => a.reason)).toEqual(['password_changed']);
  });

  it('a deactivation ends every session before it replies', async () => {
    const { userId, email } = await h.register('deactivate');
    await signIn(email);
    await deactivateAccount(h.deps, { userId });
    expect(await live(userId)).toEqual([]);
    expect((await announcements(userId)).map((a) => a.reason)).toEqual(['deactivated']);
  });

  it('the backstop reactor ends sessions opened before a trigger, once', async () => {
    const { userId, email } = await h.register('replay');
    await signIn(email);
    const changedAt = new Date().toISOString();
    const trigger = {
      id: crypto.randomUUID(),
      type: 'PasswordChanged' as const,
      data: { userId, email, displayName: 'replay', locale: 'en', changedAt, reason: 'reset' as const },
      meta: {},
    } as unknown as Parameters<typeof sessionRevocationReactor.react>[0];
    const react = async () => {
      const client = await h.ctx.pool.connect();
      try {
        await client.query('BEGIN');
        await sessionRevocationReactor.react(trigger, reactorContext(client, h.ctx.store, new Date(), []));
        await client.query('COMMIT');
      } finally {
        client.release();
      }
    };
    await react();
    expect(await live(userId)).toEqual([]);
    // Handled again (a rebuilt checkpoint): the session opened after the trigger survives.
    await signIn(email);
    await react();
    expect((await live(userId)).length).toBe(1);
    expect(await announcements(userId)).toHaveLength(1);
  });
});
