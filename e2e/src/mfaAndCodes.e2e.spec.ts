import { TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cluster, startCluster } from './cluster.js';
import { login, mailTo, PASSWORD, register, uniqueEmail } from './flows.js';
import { call } from './http.js';

let cluster: Cluster;

beforeAll(async () => {
  cluster = await startCluster();
});
afterAll(async () => {
  await cluster?.stop();
});

const loginStep = (email: string) =>
  call<{ status: string; challengeToken: string }>(cluster.baseUrl, 'POST', '/auth/login', {
    body: { email, password: PASSWORD },
  });
const verifyMfa = (body: Record<string, string>) =>
  call<{ status: string }>(cluster.baseUrl, 'POST', '/auth/mfa/verify', { body });

describe('second factor and passwordless sign-in', () => {
  it('TOTP enrol → login needs the code → a recovery code works once', async () => {
    const email = uniqueEmail('mfa');
    await register(cluster, email);
    const session = await login(cluster, email);

    const enrol = await call<{ secret: string; otpauthUri: string; qrSvg: string }>(
      cluster.baseUrl,
      'POST',
      '/me/mfa/totp',
      { token: session.accessToken, body: {} },
    );
    expect(enrol.status).toBe(200);
    expect(enrol.body.otpauthUri).toMatch(/^otpauth:\/\/totp\//);
    expect(enrol.body.qrSvg).toContain('<svg');
    const totp = new TOTP({ secret: enrol.body.secret });
    const confirm = await call<{ recoveryCodes: string[] }>(cluster.baseUrl, 'POST', '/me/mfa/totp/confirm', {
      token: session.accessToken,
      body: { code: totp.generate() },
    });
    expect(confirm.status).toBe(200);
    expect(confirm.body.recoveryCodes).toHaveLength(10);

    const challenged = await loginStep(email);
    expect(challenged.body.status).toBe('mfa_required');
    // The confirmation already used this time step's code: replaying it is refused.
    const replay = await verifyMfa({ challengeToken: challenged.body.challengeToken, code: totp.generate() });
    expect(replay.status).toBe(401);

    const recoveryCode = confirm.body.recoveryCodes[0]!;
    const withRecovery = await verifyMfa({
      challengeToken: (await loginStep(email)).body.challengeToken,
      recoveryCode,
    });
    expect(withRecovery).toMatchObject({ status: 200, body: { status: 'authenticated' } });
    const reused = await verifyMfa({
      challengeToken: (await loginStep(email)).body.challengeToken,
      recoveryCode,
    });
    expect(reused.status).toBe(401);
    expect(await mailTo(cluster, email, /two-factor authentication is on/i)).toMatch(/two-factor/i);
  });

  it('signs in with an e-mailed code, once', async () => {
    const email = uniqueEmail('code');
    const userId = await register(cluster, email);
    const requested = await call(cluster.baseUrl, 'POST', '/auth/code/request', { body: { email } });
    expect(requested.status).toBe(202);
    const mail = await mailTo(cluster, email, /sign-in code/i);
    const code = /sign-in code is:\s*(\d{6})/.exec(mail)?.[1];
    expect(code).toMatch(/^\d{6}$/);

    const signedIn = await call(cluster.baseUrl, 'POST', '/auth/code/verify', { body: { email, code } });
    expect(signedIn).toMatchObject({ status: 200, body: { status: 'authenticated', userId } });
    const again = await call(cluster.baseUrl, 'POST', '/auth/code/verify', { body: { email, code } });
    expect(again.status).toBe(401);
  });
});
