import { bootstrapAdminCommand } from '@ledgerline/contracts';
import { closeNats, connectNats, natsRequest, newRootMeta } from '@ledgerline/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cluster, startCluster } from './cluster.js';
import { login, PASSWORD, register, uniqueEmail } from './flows.js';
import { call, cookiesOf } from './http.js';

let cluster: Cluster;
let adminToken: string;

beforeAll(async () => {
  // Many sign-ups come from one test IP: lift the anonymous limit, keep the login limit.
  cluster = await startCluster({ RATE_LIMIT_ANONYMOUS: '1000' });
  const adminEmail = uniqueEmail('admin');
  // The ops CLI's path: BootstrapAdmin over NATS, not HTTP.
  const nc = await connectNats({ servers: [cluster.natsUrl], name: 'e2e-ops' });
  try {
    const reply = await natsRequest(
      nc,
      bootstrapAdminCommand,
      { email: adminEmail, password: PASSWORD, displayName: 'Root' },
      { meta: newRootMeta({ type: 'system', id: 'ops-cli' }) },
    );
    expect(reply.created).toBe(true);
  } finally {
    await closeNats(nc);
  }
  adminToken = (await login(cluster, adminEmail)).accessToken;
});
afterAll(async () => {
  await cluster?.stop();
});

type UserList = { items: { email: string; role: string }[]; total: number; nextCursor: string | null };

describe('administration', () => {
  it('lists users with filters, sorting, cursor and offset pages; non-admins are refused', async () => {
    const prefix = uniqueEmail('zz').split('@')[0]!;
    const emails = Array.from(
      { length: 12 },
      (_, i) => `${prefix}-${String(i).padStart(2, '0')}@example.test`,
    );
    for (const email of emails) await register(cluster, email);

    const list = (query: string) =>
      call<UserList>(cluster.baseUrl, 'GET', `/admin/users?${query}`, { token: adminToken });
    const first = await list(`emailPrefix=${prefix}&sort=email&limit=5`);
    expect(first.status).toBe(200);
    expect(first.body.total).toBe(12);
    expect(first.body.items.map((u) => u.email)).toEqual(emails.slice(0, 5));
    const second = await list(`emailPrefix=${prefix}&sort=email&limit=5&cursor=${first.body.nextCursor}`);
    expect(second.body.items.map((u) => u.email)).toEqual(emails.slice(5, 10));
    const byOffset = await list(`emailPrefix=${prefix}&sort=-email&limit=5&offset=10`);
    expect(byOffset.body.items.map((u) => u.email)).toEqual([emails[1], emails[0]]);
    const admins = await list('role=admin');
    expect(admins.body.items.every((u) => u.role === 'admin')).toBe(true);

    const user = await login(cluster, emails[0]!);
    const refused = await call(cluster.baseUrl, 'GET', '/admin/users', { token: user.accessToken });
    expect(refused.status).toBe(403);
  });
});

describe('edges', () => {
  it('answers malformed bodies with problem+json, never a 500', async () => {
    const bad = await call(cluster.baseUrl, 'POST', '/auth/register', {
      body: { email: 'not-an-email', password: 1 },
    });
    expect(bad.status).toBe(422);
    expect(bad.headers.get('content-type')).toContain('application/problem+json');
    expect(bad.body).toMatchObject({ status: 422, type: expect.stringContaining('/problems/') });
    const broken = await call(cluster.baseUrl, 'POST', '/auth/login', { raw: '{"email": ' });
    expect(broken.status).toBe(400);
    expect(broken.headers.get('content-type')).toContain('application/problem+json');
  });

  it('limits login attempts with 429 and Retry-After', async () => {
    const email = uniqueEmail('brute');
    await register(cluster, email);
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 12 && !statuses.includes(429); i++) {
      const response = await call(cluster.baseUrl, 'POST', '/auth/login', {
        body: { email, password: 'wrong password!!' },
      });
      statuses.push(response.status);
      retryAfter = response.headers.get('retry-after');
    }
    expect(statuses[0]).toBe(401);
    expect(statuses.at(-1)).toBe(429);
    expect(Number(retryAfter)).toBeGreaterThan(0);
  });

  it('refuses a cookie refresh without the CSRF token', async () => {
    const email = uniqueEmail('browser');
    await register(cluster, email);
    const origin = 'http://app.ledgerline.test';
    const signedIn = await call(cluster.baseUrl, 'POST', '/auth/login', {
      body: { email, password: PASSWORD },
      headers: { origin },
    });
    const cookies = cookiesOf(signedIn);
    expect(cookies.ll_refresh).toBeTruthy();
    expect(JSON.stringify(signedIn.body)).not.toContain(cookies.ll_refresh!);
    const cookie = `ll_refresh=${encodeURIComponent(cookies.ll_refresh!)}; ll_csrf=${encodeURIComponent(cookies.ll_csrf!)}`;

    const withoutToken = await call(cluster.baseUrl, 'POST', '/auth/refresh', {
      headers: { origin, cookie },
    });
    expect(withoutToken.status).toBe(403);
    const withToken = await call(cluster.baseUrl, 'POST', '/auth/refresh', {
      headers: { origin, cookie, 'x-csrf-token': cookies.ll_csrf! },
    });
    expect(withToken.status).toBe(200);
  });

  it('answers 503 while identity is down and recovers when it is back', async () => {
    const email = uniqueEmail('outage');
    await register(cluster, email);
    const { accessToken } = await login(cluster, email);
    await cluster.stopIdentity();
    try {
      const down = await call(cluster.baseUrl, 'GET', '/me', { token: accessToken });
      expect(down.status).toBe(503);
      expect(down.headers.get('retry-after')).toBeTruthy();
      expect(
        (await call(cluster.baseUrl, 'POST', '/auth/login', { body: { email, password: PASSWORD } })).status,
      ).toBe(503);
    } finally {
      await cluster.startIdentity();
    }
    const back = await call(cluster.baseUrl, 'GET', '/me', { token: accessToken });
    expect(back).toMatchObject({ status: 200, body: { email } });
  });
});
