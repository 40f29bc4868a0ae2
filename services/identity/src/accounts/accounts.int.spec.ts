import { type AppError, userRegisteredEvent } from '@ledgerline/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AccountsHarness, accountsHarness, metaFor } from '../testing/accountsHarness.test-helpers.js';
import { accountStreamId } from './account.js';
import { adminUpdateUser, bootstrapAdmin, deactivateAccount, updateProfile } from './administration.js';
import { findLoginAccountByEmail, findLoginAccountById } from './loginAccounts.js';
import { changePassword, requestPasswordReset, resetPassword } from './passwordFlows.js';
import { registerUser, resendVerification, verifyEmail } from './registration.js';
import { getMe, getUser } from './userViews.js';

let h: AccountsHarness;
beforeAll(async () => {
  h = await accountsHarness('accounts');
});
afterAll(async () => {
  await h?.close();
});

const PASSWORD = 'a perfectly long passphrase';
const codeOf = async (promise: Promise<unknown>): Promise<string> =>
  promise.then(
    () => 'resolved',
    (error: AppError) => error.code ?? String(error),
  );
const register = (email: string, password = PASSWORD) =>
  registerUser(h.deps, { email, password, displayName: 'Ada' });

describe('registration', () => {
  it('registers, and answers the same e-mail again alike while e-mailing its owner (hourly at most)', async () => {
    const { userId } = await register('Ada@Example.com');
    expect(await getMe(h.deps.prisma, userId)).toMatchObject({
      email: 'ada@example.com',
      emailVerified: false,
      role: 'user',
      tier: 'free',
      status: 'active',
      mfaEnabled: false,
    });
    const again = await register('ada@example.com');
    const third = await register('  ADA@EXAMPLE.COM ');
    // Same shape as a new account; the id names no account, so it cannot be used to confirm one.
    for (const reply of [again, third]) {
      expect(Object.keys(reply)).toEqual(['userId']);
      expect(reply.userId).not.toBe(userId);
      expect(await codeOf(getMe(h.deps.prisma, reply.userId))).toBe('NOT_FOUND');
    }
    const events = await h.ctx.store.readStream(accountStreamId(userId));
    expect(events.filter((e) => e.type === 'SignUpAttemptRecorded')).toHaveLength(2);
    const notices = events.filter((e) => e.type === 'DuplicateSignUpAttempted');
    expect(notices).toHaveLength(1);
    expect(notices[0]!.data).toMatchObject({ userId, email: 'ada@example.com', displayName: 'Ada' });
    // The original password still signs in; the second registration's was never stored.
    const login = await findLoginAccountById(h.deps.prisma, userId);
    expect(await h.deps.passwords.verifyPassword(login!.passwordHash!, PASSWORD)).toBe(true);
    expect(await codeOf(register('weak@example.com', 'password1234'))).toBe('VALIDATION');
  });

  it('treats a registration that loses the race for the e-mail as a duplicate', async () => {
    const replies = await Promise.all([register('race@example.com'), register('race@example.com')]);
    const owner = await findLoginAccountByEmail(h.deps.prisma, 'race@example.com');
    expect(replies.map((r) => r.userId)).toContain(owner!.id);
    const events = await h.ctx.store.readStream(accountStreamId(owner!.id));
    expect(events.filter((e) => e.type === 'DuplicateSignUpAttempted')).toHaveLength(1);
  });

  it('stores only contract data in the public event, and the hash in a private one', async () => {
    const { userId } = await register('public@example.com');
    const events = await h.ctx.store.readStream(accountStreamId(userId));
    const registered = events.find((e) => e.type === 'UserRegistered')!;
    expect(Object.keys(registered.data as object).sort()).toEqual(
      Object.keys(userRegisteredEvent.data.shape).sort(),
    );
    const login = await findLoginAccountByEmail(h.deps.prisma, 'PUBLIC@example.com');
    expect(login?.passwordHash).toMatch(/^\$argon2id\$/);
    expect(JSON.stringify(events.filter((e) => e.type.endsWith('Requested')))).not.toContain('argon2');
  });
});

describe('e-mail verification', () => {
  it('verifies with the e-mailed token once', async () => {
    const { userId } = await register('verify@example.com');
    const token = await h.sealedTokenOf(userId, 'EmailVerificationRequested');
    expect(await verifyEmail(h.deps, { token })).toEqual({ userId });
    expect((await getMe(h.deps.prisma, userId)).emailVerified).toBe(true);
    expect((await findLoginAccountById(h.deps.prisma, userId))?.emailVerified).toBe(true);
    expect(await codeOf(verifyEmail(h.deps, { token }))).toBe('VALIDATION');
    expect(await codeOf(verifyEmail(h.deps, { token: 'x'.repeat(43) }))).toBe('VALIDATION');
  });

  it('rejects an expired token, and resend issues a fresh one', async () => {
    h.setNow('2026-01-01T00:00:00.000Z');
    const { userId } = await register('late@example.com');
    const first = await h.sealedTokenOf(userId, 'EmailVerificationRequested');
    h.setNow('2026-01-02T00:00:01.000Z');
    await expect(verifyEmail(h.deps, { token: first })).rejects.toMatchObject({
      code: 'VALIDATION',
      details: { reason: 'expired' },
    });
    expect(await resendVerification(h.deps, { email: 'LATE@example.com' })).toEqual({});
    await h.deps.afterReply.drain();
    const second = await h.sealedTokenOf(userId, 'EmailVerificationRequested');
    expect(second).not.toBe(first);
    // Throttled a second later: the reply looks exactly the same, and nothing new is issued.
    h.setNow('2026-01-02T00:00:02.000Z');
    expect(await resendVerification(h.deps, { email: 'late@example.com' })).toEqual({});
    await h.deps.afterReply.drain();
    expect(await h.sealedTokenOf(userId, 'EmailVerificationRequested')).toBe(second);
    expect(await verifyEmail(h.deps, { token: second })).toEqual({ userId });
    h.setNow(new Date());
  });

  it('answers an unknown e-mail exactly like a known one', async () => {
    expect(await resendVerification(h.deps, { email: 'nobody@example.com' })).toEqual({});
    expect(await requestPasswordReset(h.deps, { email: 'nobody@example.com' })).toEqual({});
  });
});

describe('passwords', () => {
  it('resets with the e-mailed token once; the new password works', async () => {
    const { userId } = await register('reset@example.com');
    expect(await requestPasswordReset(h.deps, { email: 'Reset@Example.com' })).toEqual({});
    await h.deps.afterReply.drain();
    const token = await h.sealedTokenOf(userId, 'PasswordResetRequested');
    const newPassword = 'another long passphrase';
    expect(await codeOf(resetPassword(h.deps, { token, newPassword: 'short' }))).toBe('VALIDATION');
    expect(await resetPassword(h.deps, { token, newPassword })).toEqual({ userId });
    const login = await findLoginAccountById(h.deps.prisma, userId);
    expect(await h.deps.passwords.verifyPassword(login!.passwordHash!, newPassword)).toBe(true);
    expect(login?.emailVerified).toBe(true);
    expect(await codeOf(resetPassword(h.deps, { token, newPassword: 'yet another passphrase' }))).toBe(
      'VALIDATION',
    );
    const events = await h.ctx.store.readStream(accountStreamId(userId));
    expect(events.at(-1)).toMatchObject({ type: 'PasswordChanged', data: { reason: 'reset' } });
  });

  it('changes the password only with the current one', async () => {
    const { userId } = await register('change@example.com');
    const wrong = changePassword(h.deps, {
      userId,
      currentPassword: 'not my password',
      newPassword: 'a new long passphrase',
    });
    expect(await codeOf(wrong)).toBe('VALIDATION');
    await changePassword(h.deps, { userId, currentPassword: PASSWORD, newPassword: 'a new long passphrase' });
    const login = await findLoginAccountById(h.deps.prisma, userId);
    expect(await h.deps.passwords.verifyPassword(login!.passwordHash!, 'a new long passphrase')).toBe(true);
  });
});

describe('profile and administration', () => {
  it('updates the profile and deactivates softly, keeping the e-mail', async () => {
    const { userId } = await register('profile@example.com');
    const profile = await updateProfile(h.deps, { userId, displayName: 'Ada L.', locale: 'pt-BR' });
    expect(profile).toMatchObject({ displayName: 'Ada L.', locale: 'pt-BR' });
    // The reply is built from the row the inline projection returned: it must equal a read of it.
    expect(profile).toEqual(await getMe(h.deps.prisma, userId));
    await deactivateAccount(h.deps, { userId }, metaFor({ type: 'user', id: userId, roles: ['user'] }));
    expect((await findLoginAccountById(h.deps.prisma, userId))?.status).toBe('deactivated');
    // A deactivated account keeps its e-mail: registering it again creates nothing.
    const again = await register('profile@example.com');
    expect(again.userId).not.toBe(userId);
    expect((await findLoginAccountByEmail(h.deps.prisma, 'profile@example.com'))?.id).toBe(userId);
  });

  it('lets only administrators update users, and bootstraps the first one idempotently', async () => {
    const { userId } = await register('member@example.com');
    const asUser = metaFor({ type: 'user', id: userId, roles: ['user'] });
    expect(await codeOf(adminUpdateUser(h.deps, { userId, role: 'admin' }, asUser))).toBe('FORBIDDEN');

    const first = await bootstrapAdmin(h.deps, {
      email: 'root@example.com',
      password: PASSWORD,
      displayName: 'Root',
    });
    expect(first.created).toBe(true);
    const again = await bootstrapAdmin(h.deps, {
      email: 'ROOT@example.com',
      password: 'x',
      displayName: 'Root',
    });
    expect(again).toEqual({ userId: first.userId, created: false });
    expect(await getUser(h.deps.prisma, first.userId)).toMatchObject({ role: 'admin', emailVerified: true });

    const asAdmin = metaFor({ type: 'user', id: first.userId, roles: ['admin'] });
    const updated = await adminUpdateUser(
      h.deps,
      { userId, role: 'admin', tier: 'pro', status: 'deactivated' },
      asAdmin,
    );
    expect(updated).toMatchObject({ role: 'admin', tier: 'pro', status: 'deactivated', lastLoginAt: null });
    const back = await adminUpdateUser(h.deps, { userId, status: 'active' }, asAdmin);
    expect(back.status).toBe('active');
    expect(await codeOf(adminUpdateUser(h.deps, { userId: first.userId, role: 'user' }, asAdmin))).toBe(
      'ILLEGAL_STATE',
    );
    // Promoting an existing account: the ops CLI run against someone who registered first.
    const promoted = await bootstrapAdmin(h.deps, {
      email: 'change@example.com',
      password: 'x',
      displayName: 'C',
    });
    expect(promoted.created).toBe(false);
  });
});
