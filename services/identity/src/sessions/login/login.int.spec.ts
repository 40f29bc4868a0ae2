import { type AppError, getJwksQuery, loginCommand, RateLimitedError } from '@ledgerline/contracts';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deactivateAccount } from '../../accounts/administration.js';
import { type AuthHarness, authHarness, codeOf, PASSWORD, tokensOf } from '../authHarness.test-helpers.js';

let h: AuthHarness;
beforeAll(async () => {
  h = await authHarness('login');
});
afterAll(async () => {
  await h?.close();
});

const client = { ip: '198.51.100.7', userAgent: 'vitest' };
const login = (email: string, password = PASSWORD, now = new Date(), ip = client.ip) =>
  h.auth.passwordLogin.login({ email, password, client: { ...client, ip } }, now);
const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: AppError) => error,
  );

describe('password login', () => {
  it('signs in an unverified account with tokens the JWKS verifies', async () => {
    const { userId, email } = await h.register('ada');
    const result = loginCommand.reply.parse(await login(email.toUpperCase()));
    expect(result).toMatchObject({ status: 'authenticated', userId, emailVerified: false });
    const tokens = tokensOf(result);
    expect(tokens.refreshToken.startsWith(`${tokens.sessionId}.`)).toBe(true);
    const jwks = getJwksQuery.reply.parse(await h.auth.signingKeys.jwks());
    const { payload } = await jwtVerify(tokens.accessToken, createLocalJWKSet(jwks), {
      issuer: h.ctx.config.JWT_ISSUER,
      audience: h.ctx.config.JWT_AUDIENCE,
    });
    expect(payload).toMatchObject({
      sub: userId,
      roles: ['user'],
      tier: 'free',
      sid: tokens.sessionId,
      mfa: false,
    });
    expect(payload.exp! - payload.iat!).toBe(h.ctx.config.ACCESS_TOKEN_TTL_SECONDS);
    // SessionOpened carries what the Users read model needs (last login).
    const opened = (await h.ctx.store.readStream(`session-${tokens.sessionId}`))[0];
    expect(opened).toMatchObject({
      type: 'SessionOpened',
      data: { userId, ip: client.ip, userAgent: 'vitest' },
    });
    expect(JSON.stringify(opened?.data)).not.toContain(tokens.refreshToken);
  });

  it('answers every failure with the same UNAUTHORIZED message (no enumeration)', async () => {
    const { userId, email } = await h.register('bob');
    const wrong = await failure(login(email, 'not the password at all', new Date(), '198.51.100.8'));
    const unknown = await failure(
      login(`nobody-${userId}@example.com`, PASSWORD, new Date(), '198.51.100.8'),
    );
    await deactivateAccount(h.deps, { userId });
    const deactivated = await failure(login(email, PASSWORD, new Date(), '198.51.100.8'));
    for (const error of [wrong, unknown, deactivated]) {
      expect(error).toMatchObject({ code: 'UNAUTHORIZED', message: 'Invalid e-mail or password' });
    }
  });

  it('slows an account down after failures, locks it at the 5th, and a success resets the count', async () => {
    const { email } = await h.register('carol');
    const t0 = Date.now();
    const at = (seconds: number) => new Date(t0 + seconds * 1000);
    expect(await codeOf(login(email, 'wrong password 1', at(0)))).toBe('UNAUTHORIZED');
    expect(await codeOf(login(email, 'wrong password 2', at(0)))).toBe('UNAUTHORIZED');
    expect(await codeOf(login(email, 'wrong password 3', at(0)))).toBe('UNAUTHORIZED');
    // The 3rd failure imposed a 1-second delay: an immediate 4th attempt is refused unseen.
    const limited = await failure(login(email, PASSWORD, at(0.5)));
    expect(limited).toBeInstanceOf(RateLimitedError);
    expect((limited as RateLimitedError).retryAfterSeconds).toBe(1);
    expect(await codeOf(login(email, 'wrong password 4', at(1)))).toBe('UNAUTHORIZED');
    expect(await codeOf(login(email, 'wrong password 5', at(3)))).toBe('UNAUTHORIZED');
    // Locked for 15 minutes, even with the right password, from any IP.
    const locked = await failure(login(email, PASSWORD, at(4), '192.0.2.1'));
    expect((locked as RateLimitedError).retryAfterSeconds).toBeGreaterThan(890);
    expect(await codeOf(login(email, PASSWORD, at(3 + 900)))).toBe('resolved');
    // The success reset the account: two failures in a row are free again.
    expect(await codeOf(login(email, 'wrong password 6', at(905)))).toBe('UNAUTHORIZED');
    expect(await codeOf(login(email, 'wrong password 7', at(905)))).toBe('UNAUTHORIZED');
    expect(await codeOf(login(email, PASSWORD, at(905)))).toBe('resolved');
  });

  it('counts per IP too, across accounts', async () => {
    const ip = '203.0.113.250';
    const t0 = Date.now();
    const ipMax = h.ctx.config.LOGIN_IP_MAX_FAILURES;
    // Different unknown e-mails from one address: only the IP counter grows.
    for (let i = 0; i < ipMax; i++) {
      const code = await codeOf(
        login(`spray-${i}-${t0}@example.com`, 'guess guess guess', new Date(t0 + i * 40_000), ip),
      );
      expect(code).toBe('UNAUTHORIZED');
    }
    const blocked = await failure(
      login(`spray-last-${t0}@example.com`, 'guess', new Date(t0 + ipMax * 40_000), ip),
    );
    expect(blocked).toBeInstanceOf(RateLimitedError);
  }, 60_000);

  it('refuses a parallel burst beyond the free attempts (attempts count before the check)', async () => {
    const { email } = await h.register('dave');
    const now = new Date();
    const codes = await Promise.all(
      Array.from({ length: 8 }, (_, i) => codeOf(login(email, `burst guess ${i}`, now, `192.0.2.${10 + i}`))),
    );
    expect(codes.filter((c) => c === 'UNAUTHORIZED').length).toBeLessThanOrEqual(3);
    expect(codes.filter((c) => c === 'RATE_LIMITED').length).toBeGreaterThanOrEqual(5);
  });

  it('reports login latency (argon2-bound)', async () => {
    const { email } = await h.register('erin');
    const runs = 10;
    const started = performance.now();
    for (let i = 0; i < runs; i++) await login(email, PASSWORD, new Date(), `192.0.2.${100 + i}`);
    const perLogin = (performance.now() - started) / runs;
    console.info(`login latency: ${perLogin.toFixed(1)} ms per successful login (test argon2 parameters)`);
    expect(perLogin).toBeLessThan(1000);
  });
});
