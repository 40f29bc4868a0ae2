import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { signAccessToken } from './accessTokens.js';
import { generateSigningKey, openPrivateKey } from './keyMaterial.js';

const kek = '11'.repeat(32);
const otherKek = '22'.repeat(32);
const settings = { issuer: 'ledgerline-identity', audience: 'ledgerline', ttlSeconds: 900 };
const claims = {
  userId: '01900000-0000-7000-8000-000000000001',
  role: 'admin' as const,
  tier: 'pro' as const,
  sessionId: '01900000-0000-7000-8000-0000000000aa',
  mfa: true,
};

describe('access tokens', () => {
  it('are EdDSA JWTs with kid and the claims the gateway reads, verifiable from the JWKS', async () => {
    const key = await generateSigningKey(kek);
    const now = new Date();
    const { token, expiresAt } = await signAccessToken(
      { kid: key.kid, privateKey: openPrivateKey(kek, key.kid, key.encryptedPrivateKey) },
      claims,
      settings,
      now,
    );
    expect(decodeProtectedHeader(token)).toMatchObject({ alg: 'EdDSA', kid: key.kid });
    const jwks = createLocalJWKSet({
      keys: [{ kty: 'OKP', crv: 'Ed25519', x: key.x, kid: key.kid, alg: 'EdDSA', use: 'sig' }],
    });
    const { payload } = await jwtVerify(token, jwks, {
      issuer: settings.issuer,
      audience: settings.audience,
    });
    expect(payload).toMatchObject({
      sub: claims.userId,
      roles: ['admin'],
      tier: 'pro',
      sid: claims.sessionId,
      mfa: true,
    });
    expect(payload.exp! - payload.iat!).toBe(900);
    expect(expiresAt.getTime()).toBe(payload.exp! * 1000);
  });

  it('private keys are sealed at rest: another key-encryption key cannot open them', async () => {
    const key = await generateSigningKey(kek);
    expect(key.encryptedPrivateKey).not.toContain('PRIVATE');
    expect(() => openPrivateKey(otherKek, key.kid, key.encryptedPrivateKey)).toThrow();
    // Bound to its kid: a sealed key copied under another kid does not open either.
    expect(() => openPrivateKey(kek, 'other-kid', key.encryptedPrivateKey)).toThrow();
  });
});
