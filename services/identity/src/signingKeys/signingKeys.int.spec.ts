import { getJwksQuery } from '@ledgerline/contracts';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuthHarness, authHarness } from '../sessions/authHarness.test-helpers.js';
import { KEY_RING_STREAM } from './keyRing.js';
import { SigningKeys } from './signingKeys.js';

let h: AuthHarness;
beforeAll(async () => {
  // No key yet: the first test races three bootstraps on an empty ring.
  h = await authHarness('keys', { bootstrapKey: false });
});
afterAll(async () => {
  await h?.close();
});

const claims = {
  userId: '01900000-0000-7000-8000-000000000001',
  role: 'user' as const,
  tier: 'free' as const,
  sessionId: '01900000-0000-7000-8000-0000000000aa',
  mfa: false,
};
const newInstance = () =>
  new SigningKeys({
    store: h.ctx.store,
    keyEncryptionKey: h.ctx.config.KEY_ENCRYPTION_KEY,
    tokens: { issuer: 'iss', audience: 'aud', ttlSeconds: 900 },
    cacheSeconds: 0,
  });
const verify = async (token: string, keys: SigningKeys, now: Date) => {
  const jwks = getJwksQuery.reply.parse(await keys.jwks(now));
  return jwtVerify(token, createLocalJWKSet(jwks), { issuer: 'iss', audience: 'aud', currentDate: now });
};

describe('signing keys', () => {
  it('bootstrap is idempotent, also when instances start at once', async () => {
    await Promise.all([newInstance().bootstrap(), newInstance().bootstrap(), newInstance().bootstrap()]);
    const events = await h.ctx.store.readStream(KEY_RING_STREAM);
    expect(events.map((e) => e.type)).toEqual(['SigningKeyActivated']);
    expect(JSON.stringify(events[0]?.data)).not.toMatch(/PRIVATE|"d":/);
  });

  it('rotation: new tokens use the new key, old tokens verify until the overlap ends', async () => {
    const keys = newInstance();
    const before = new Date();
    const old = await keys.issueAccessToken(claims, before);
    const { kid } = await keys.rotate(before);
    const fresh = await keys.issueAccessToken(claims, before);
    expect(decodeProtectedHeader(fresh.token).kid).toBe(kid);
    expect(decodeProtectedHeader(old.token).kid).not.toBe(kid);
    // Another instance (its own cache) sees the rotation and both keys.
    const other = newInstance();
    expect((await other.jwks(before)).keys.map((k) => k.kid)).toContain(kid);
    expect((await verify(old.token, other, before)).payload.sub).toBe(claims.userId);
    expect((await verify(fresh.token, other, before)).payload.sub).toBe(claims.userId);
    // Once every token of the old key has expired, the old key is no longer published.
    const afterOverlap = new Date(before.getTime() + (keys.overlapSeconds + 1) * 1000);
    const published = (await other.jwks(afterOverlap)).keys.map((k) => k.kid);
    expect(published).toEqual([kid]);
  });
});
