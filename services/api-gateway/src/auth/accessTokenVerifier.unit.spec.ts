import { UnauthorizedError, UnavailableError } from '@ledgerline/contracts';
import { describe, expect, it } from 'vitest';
import { signAccessToken, testKey } from '../testing/fakeIdentity.test-helpers.js';
import { AccessTokenVerifier } from './accessTokenVerifier.js';
import { bearerToken } from './authGuard.js';
import { type Jwk, JwksCache } from './jwksCache.js';

const sub = '0190a1b2-0000-7000-8000-000000000001';
const sid = '0190a1b2-0000-7000-8000-000000000002';
const options = { issuer: 'ledgerline-identity', audience: 'ledgerline', clockToleranceSeconds: 0 };

const setup = async (minRefreshIntervalMs = 10_000) => {
  const key = await testKey('k1');
  let keys: Jwk[] = [key.jwk];
  let fetches = 0;
  const jwks = new JwksCache({
    fetchKeys: async () => {
      fetches++;
      return keys;
    },
    maxAgeMs: 300_000,
    minRefreshIntervalMs,
  });
  return {
    key,
    verifier: new AccessTokenVerifier(jwks, options),
    publish: (next: Jwk[]) => {
      keys = next;
    },
    fetches: () => fetches,
  };
};

describe('AccessTokenVerifier', () => {
  it('returns the principal of a valid token and caches the verification', async () => {
    const { key, verifier, fetches } = await setup();
    const token = await signAccessToken(key, { sub, sid, roles: ['user', 'admin'], tier: 'pro', mfa: true });
    await expect(verifier.verify(token)).resolves.toEqual({
      userId: sub,
      sessionId: sid,
      roles: ['user', 'admin'],
      tier: 'pro',
      mfa: true,
      emailVerified: undefined,
    });
    await verifier.verify(token);
    expect(fetches()).toBe(1);
  });

  it('refuses wrong issuer, audience, expired and unsigned tokens', async () => {
    const { key, verifier } = await setup();
    const bad = [
      await signAccessToken(key, { sub, sid }, { issuer: 'other' }),
      await signAccessToken(key, { sub, sid }, { audience: 'other' }),
      await signAccessToken(key, { sub, sid }, { expiresIn: Math.floor(Date.now() / 1000) - 1 }),
      `${Buffer.from('{"alg":"none","kid":"k1"}').toString('base64url')}.${Buffer.from(`{"sub":"${sub}"}`).toString('base64url')}.`,
    ];
    for (const token of bad) await expect(verifier.verify(token)).rejects.toBeInstanceOf(UnauthorizedError);
  });

  it('refetches the key set for an unknown kid, but not more often than allowed', async () => {
    const { verifier, publish, fetches } = await setup(60_000);
    const rotated = await testKey('k2');
    const token = await signAccessToken(rotated, { sub, sid });
    await verifier.verify(await signAccessToken(await testKey('k1'), { sub, sid })).catch(() => undefined);
    publish([rotated.jwk]);
    // The first fetch was just now: an unknown kid cannot force another within the interval.
    await expect(verifier.verify(token)).rejects.toBeInstanceOf(UnauthorizedError);
    expect(fetches()).toBe(1);
    const { verifier: eager, publish: publishEager, fetches: eagerFetches } = await setup(0);
    await eager.verify(await signAccessToken(await testKey('zz'), { sub, sid })).catch(() => undefined);
    publishEager([rotated.jwk]);
    await expect(eager.verify(token)).resolves.toMatchObject({ userId: sub });
    expect(eagerFetches()).toBe(3);
  });

  it('reports unavailable (not unauthorized) when no keys can be fetched at all', async () => {
    const verifier = new AccessTokenVerifier(
      new JwksCache({
        fetchKeys: () => Promise.reject(new UnavailableError('no responders')),
        maxAgeMs: 1000,
        minRefreshIntervalMs: 0,
      }),
      options,
    );
    const token = await signAccessToken(await testKey('k1'), { sub, sid });
    await expect(verifier.verify(token)).rejects.toBeInstanceOf(UnavailableError);
  });
});

describe('bearerToken', () => {
  it('reads the token and refuses other schemes', () => {
    expect(bearerToken(undefined)).toBeUndefined();
    expect(bearerToken('Bearer abc.def.ghi')).toBe('abc.def.ghi');
    expect(bearerToken('bearer abc')).toBe('abc');
    expect(() => bearerToken('Basic dXNlcjpwdw==x y')).toThrow(UnauthorizedError);
    expect(() => bearerToken('Bearer ')).toThrow(UnauthorizedError);
  });
});
