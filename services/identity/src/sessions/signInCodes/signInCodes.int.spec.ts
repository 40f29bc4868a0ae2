import { signInCodeRequestedEvent, unseal } from '@ledgerline/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totpCode } from '../../mfa/totp.js';
import { authThrottles } from '../../throttling/authPolicies.js';
import { type AuthHarness, authHarness, codeOf, tokensOf } from '../authHarness.test-helpers.js';
import { signInCodeStream } from './signInCode.js';

let h: AuthHarness;
beforeAll(async () => {
  h = await authHarness('codes');
});
afterAll(async () => {
  await h?.close();
});

const client = { ip: '198.51.100.40', userAgent: 'vitest' };
// The reply comes first and the code's append after it: wait for that work before reading the stream.
const request = async (email: string, now = new Date()) => {
  const reply = await h.auth.signInCodes.request({ email, client }, now);
  await h.ctx.resources.afterReply.drain();
  return reply;
};
const verify = (email: string, code: string, now = new Date()) =>
  h.auth.signInCodes.verify({ email, code, client }, now);

/** The code the notifier would e-mail: unsealed from the latest public event. */
async function mailedCode(userId: string): Promise<string> {
  const events = await h.ctx.store.readStream(signInCodeStream(userId));
  const event = events.filter((e) => e.type === 'SignInCodeRequested').at(-1);
  const data = signInCodeRequestedEvent.data.strict().parse(event?.data);
  return unseal(h.ctx.config.MESSAGE_SEAL_KEY, data.sealedCode, 'SignInCodeRequested');
}
const otherThan = (code: string) => (code === '000000' ? '111111' : '000000');

describe('sign-in by e-mailed code', () => {
  it('signs in with the code once; the store keeps only a keyed hash', async () => {
    const { userId, email } = await h.register('coder');
    await request(email);
    const code = await mailedCode(userId);
    expect(code).toMatch(/^\d{6}$/);
    const issued = (await h.ctx.store.readStream(signInCodeStream(userId))).find(
      (e) => e.type === 'SignInCodeIssued',
    );
    expect(JSON.stringify(issued?.data)).not.toContain(`"${code}"`);
    const result = await verify(email, code);
    expect(tokensOf(result).sessionId).toBeTruthy();
    expect(result).toMatchObject({ status: 'authenticated', userId, emailVerified: false });
    expect(await codeOf(verify(email, code))).toBe('UNAUTHORIZED');
  });

  it('answers an unknown e-mail exactly like a known one, and e-mails nothing', async () => {
    const unknown = `nobody-${Date.now()}@example.com`;
    expect(await request(unknown)).toBeUndefined();
    expect(await codeOf(verify(unknown, '123456'))).toBe('UNAUTHORIZED');
  });

  it('a code dies after 5 wrong attempts', async () => {
    const { userId, email } = await h.register('guesser');
    await request(email);
    const code = await mailedCode(userId);
    const t0 = Date.now();
    // Spaced out so the throttle's delays do not answer first: this is the code's own limit.
    for (let i = 0; i < 5; i++) {
      expect(await codeOf(verify(email, otherThan(code), new Date(t0 + i * 1000)))).toBe('UNAUTHORIZED');
      await h.auth.throttle.succeeded([
        { policy: authThrottles(h.ctx.config).codeVerifyAccount, subject: email },
      ]);
    }
    expect(await codeOf(verify(email, code, new Date(t0 + 10_000)))).toBe('UNAUTHORIZED');
  });

  it('expires after 10 minutes', async () => {
    const { userId, email } = await h.register('late');
    const now = new Date();
    await request(email, now);
    const code = await mailedCode(userId);
    const late = new Date(now.getTime() + h.ctx.config.SIGN_IN_CODE_TTL_SECONDS * 1000);
    expect(await codeOf(verify(email, code, late))).toBe('UNAUTHORIZED');
  });

  it('is throttled like login', async () => {
    const { email } = await h.register('spammer');
    const now = new Date();
    const codes = [];
    for (let i = 0; i < 4; i++) codes.push(await codeOf(request(email, now)));
    expect(codes).toEqual(['resolved', 'resolved', 'resolved', 'RATE_LIMITED']);
  });

  it('still asks for the second factor when MFA is on', async () => {
    const { userId, email } = await h.register('codemfa');
    const now = new Date();
    const { secret } = await h.auth.mfa.start(userId, now);
    await h.auth.mfa.confirm(userId, totpCode(secret, now), now);
    await request(email, now);
    const result = await verify(email, await mailedCode(userId), now);
    expect(result.status).toBe('mfa_required');
    if (result.status !== 'mfa_required') return;
    const later = new Date(now.getTime() + 30_000);
    const done = await h.auth.signIn.verifyMfa(
      result.challengeToken,
      { code: totpCode(secret, later) },
      client,
      later,
    );
    expect(done.status).toBe('authenticated');
  });
});
