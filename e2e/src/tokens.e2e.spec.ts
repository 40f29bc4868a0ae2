import { generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cluster, startCluster } from './cluster.js';
import { login, register, uniqueEmail } from './flows.js';
import { call } from './http.js';

let cluster: Cluster;

beforeAll(async () => {
  // Access tokens that expire in two seconds, with no clock tolerance at the gateway.
  cluster = await startCluster({ ACCESS_TOKEN_TTL_SECONDS: '2', JWT_CLOCK_TOLERANCE_SECONDS: '0' });
});
afterAll(async () => {
  await cluster?.stop();
});

const me = (token: string) => call(cluster.baseUrl, 'GET', '/me', { token });

describe('access tokens', () => {
  it('accepts a valid token and refuses forged, wrong-kid and expired ones with 401 problems', async () => {
    const email = uniqueEmail('jwt');
    const userId = await register(cluster, email);
    const { accessToken } = await login(cluster, email);
    expect((await me(accessToken)).status).toBe(200);

    const [header, payload, signature] = accessToken.split('.');
    const flipped = `${signature!.slice(0, -2)}${signature!.endsWith('AA') ? 'BB' : 'AA'}`;
    const forged = await me(`${header}.${payload}.${flipped}`);
    expect(forged.status).toBe(401);
    expect(forged.headers.get('content-type')).toContain('application/problem+json');

    const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    const strangers = await new SignJWT({
      roles: ['admin'],
      tier: 'pro',
      sid: crypto.randomUUID(),
      mfa: true,
    })
      .setProtectedHeader({ alg: 'EdDSA', kid: 'not-a-key-of-identity' })
      .setSubject(userId)
      .setIssuer('ledgerline-identity')
      .setAudience('ledgerline')
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(privateKey);
    expect((await me(strangers)).status).toBe(401);

    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect((await me(accessToken)).status).toBe(401);
  });
});
