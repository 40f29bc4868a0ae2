import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cluster, startCluster } from './cluster.js';
import { login, mailTo, PASSWORD, register, tokenInLink, uniqueEmail } from './flows.js';
import { call } from './http.js';

let cluster: Cluster;

beforeAll(async () => {
  cluster = await startCluster();
});
afterAll(async () => {
  await cluster?.stop();
});

const refresh = (refreshToken: string) =>
  call<{ refreshToken: string; accessToken: string }>(cluster.baseUrl, 'POST', '/auth/refresh', {
    body: { refreshToken },
  });

describe('sign-up, verification and sessions', () => {
  it('register → e-mail → verify → login → refresh rotates → reuse revokes the family → logout', async () => {
    const email = uniqueEmail('ada');
    const userId = await register(cluster, email);

    const verification = await mailTo(cluster, email, /confirm your e-mail/i);
    expect(verification).toContain('http://app.ledgerline.test/verify-email?token=');
    const verified = await call(cluster.baseUrl, 'POST', '/auth/email/verify', {
      body: { token: tokenInLink(verification) },
    });
    expect(verified).toMatchObject({ status: 200, body: { userId } });
    // The link is single-use.
    const again = await call(cluster.baseUrl, 'POST', '/auth/email/verify', {
      body: { token: tokenInLink(verification) },
    });
    expect(again.status).toBe(422);

    const first = await login(cluster, email);
    const me = await call(cluster.baseUrl, 'GET', '/me', { token: first.accessToken });
    expect(me).toMatchObject({ status: 200, body: { id: userId, email, emailVerified: true, role: 'user' } });

    const rotated = await refresh(first.refreshToken);
    expect(rotated.status).toBe(200);
    expect(rotated.body.refreshToken).not.toBe(first.refreshToken);

    // Presenting the rotated-away token again is reuse: the whole family ends.
    expect((await refresh(first.refreshToken)).status).toBe(401);
    expect((await refresh(rotated.body.refreshToken)).status).toBe(401);

    const second = await login(cluster, email);
    const loggedOut = await call(cluster.baseUrl, 'POST', '/auth/logout', {
      token: second.accessToken,
      body: {},
    });
    expect(loggedOut.status).toBe(204);
    expect((await refresh(second.refreshToken)).status).toBe(401);
  });

  it('forgot → e-mail → reset → the old sessions are dead and the old password fails', async () => {
    const email = uniqueEmail('grace');
    await register(cluster, email);
    const session = await login(cluster, email);
    const other = await login(cluster, email);

    const forgot = await call(cluster.baseUrl, 'POST', '/auth/password/forgot', { body: { email } });
    expect(forgot.status).toBe(202);
    const resetMail = await mailTo(cluster, email, /reset your password/i);
    expect(resetMail).toContain('/reset-password?token=');
    const newPassword = 'a brand new passphrase 2026';
    const reset = await call(cluster.baseUrl, 'POST', '/auth/password/reset', {
      body: { token: tokenInLink(resetMail), newPassword },
    });
    expect(reset.status).toBe(200);

    // Ended before the reply, in the reset's own transaction: no waiting, no window.
    expect((await refresh(session.refreshToken)).status).toBe(401);
    expect((await refresh(other.refreshToken)).status).toBe(401);
    const fresh = await login(cluster, email, newPassword);
    const sessions = await call<{ items: Array<{ id: string }>; nextCursor: string | null }>(
      cluster.baseUrl,
      'GET',
      '/me/sessions',
      {
        token: fresh.accessToken,
      },
    );
    expect(sessions.body.items.map((s) => s.id)).toEqual([fresh.sessionId]);
    expect(sessions.body.nextCursor).toBeNull();

    const oldPassword = await call(cluster.baseUrl, 'POST', '/auth/login', {
      body: { email, password: PASSWORD },
    });
    expect(oldPassword.status).toBe(401);
    await login(cluster, email, newPassword);
    // A security notice follows the reset.
    expect(await mailTo(cluster, email, /password was changed/i)).toMatch(/password/i);
  });

  it('answers a registration of a taken address like a new one and e-mails the owner instead', async () => {
    const email = uniqueEmail('taken');
    const userId = await register(cluster, email);
    const again = await call<{ userId: string }>(cluster.baseUrl, 'POST', '/auth/register', {
      body: { email, password: 'another long passphrase', displayName: 'Mallory' },
    });
    expect(again.status).toBe(202);
    expect(Object.keys(again.body)).toEqual(['userId']);
    expect(again.body.userId).not.toBe(userId);
    expect(await mailTo(cluster, email, /tried to sign up/i)).toMatch(/already has one/);
    // The original password still signs in; the attempt changed nothing on the account.
    expect((await login(cluster, email)).userId).toBe(userId);
  });

  it('answers forgot and resend for unknown addresses exactly like for known ones', async () => {
    const unknown = uniqueEmail('nobody');
    for (const path of ['/auth/password/forgot', '/auth/email/resend', '/auth/code/request']) {
      const response = await call(cluster.baseUrl, 'POST', path, { body: { email: unknown } });
      expect(response.status, path).toBe(202);
    }
  });
});
