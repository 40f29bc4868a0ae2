import 'reflect-metadata';
import { randomBytes, randomUUID } from 'node:crypto';
import {
  ConflictError,
  getJwksQuery,
  getMeQuery,
  listUsersQuery,
  loginCommand,
  NotFoundError,
  type Profile,
  RateLimitedError,
  refreshSessionCommand,
  registerUserCommand,
  requestPasswordResetCommand,
  type SessionTokens,
} from '@ledgerline/contracts';
import { closeNats, connectNats, type NatsConnection } from '@ledgerline/platform';
import { infrastructure, startTestNats, type TestNats, waitUntil } from '@ledgerline/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, type Gateway } from './app/createGateway.js';
import { loadGatewayConfig } from './config.js';
import { FakeIdentity, signAccessToken, type TestKey, testKey } from './testing/fakeIdentity.test-helpers.js';

const run = randomBytes(4).toString('hex');
const APP_ORIGIN = 'https://app.example.test';
const userId = randomUUID();
const sessionId = randomUUID();
const adminId = randomUUID();

const profile = (id: string = userId): Profile => ({
  id,
  email: `user-${run}@example.test`,
  displayName: 'Ada',
  avatarFileId: null,
  locale: 'en',
  emailVerified: true,
  role: 'user',
  tier: 'free',
  mfaEnabled: false,
  status: 'active',
  createdAt: '2026-01-01T00:00:00.000Z',
});

const tokens = (): SessionTokens => ({
  tokenType: 'Bearer',
  accessToken: 'access-token-from-identity',
  accessTokenExpiresAt: new Date(Date.now() + 900_000).toISOString(),
  refreshToken: `${sessionId}.${randomBytes(16).toString('base64url')}`,
  refreshTokenExpiresAt: new Date(Date.now() + 86_400_000).toISOString(),
  sessionId,
});

describe('api-gateway over real NATS and Redis, identity faked', () => {
  let testNats: TestNats;
  let nc: NatsConnection;
  let redis: Redis;
  let gateway: Gateway;
  let identity: FakeIdentity;
  let key: TestKey;
  let userToken: string;
  let adminToken: string;

  const inject = (options: Parameters<Gateway['app']['inject']>[0]) => gateway.app.inject(options);
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  beforeAll(async () => {
    testNats = await startTestNats();
    const { redisUrl } = await infrastructure();
    nc = await connectNats({ servers: testNats.url, name: `gateway-test-${run}` });
    redis = new Redis(redisUrl);
    key = await testKey(`kid-${run}`);
    identity = new FakeIdentity(nc)
      .on(getJwksQuery, () => ({ keys: [key.jwk] }))
      .on(getMeQuery, ({ userId: id }) => profile(id))
      .start();
    const config = loadGatewayConfig({
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      NATS_URL: testNats.url,
      REDIS_URL: redisUrl,
      PORT: '0',
      COOKIE_SECURE: 'false',
      PUBLIC_URL: 'http://localhost:3000',
      CORS_ORIGINS: APP_ORIGIN,
      REDIS_KEY_PREFIX: `gwtest:${run}:`,
      RATE_LIMIT_LOGIN: '3',
      READY_SERVICES: 'identity',
      NATS_REQUEST_TIMEOUT_MS: '1500',
      READY_TIMEOUT_MS: '500',
      JWKS_REFRESH_MIN_INTERVAL_MS: '0',
    });
    gateway = await createGateway({ config, nats: nc, redis });
    userToken = await signAccessToken(key, { sub: userId, sid: sessionId });
    adminToken = await signAccessToken(key, { sub: adminId, sid: randomUUID(), roles: ['admin'] });
  });

  afterAll(async () => {
    await gateway?.close();
    const keys = await redis.keys(`gwtest:${run}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis?.disconnect();
    if (nc) await closeNats(nc);
    await testNats?.stop();
  });

  it('answers liveness and echoes a valid X-Request-Id (replacing an unsafe one)', async () => {
    const echoed = await inject({
      method: 'GET',
      url: '/healthz',
      headers: { 'x-request-id': `req-${run}-0001` },
    });
    expect(echoed.statusCode).toBe(200);
    expect(echoed.headers['x-request-id']).toBe(`req-${run}-0001`);
    const replaced = await inject({
      method: 'GET',
      url: '/healthz',
      headers: { 'x-request-id': 'bad id\twith spaces' },
    });
    expect(replaced.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(replaced.headers['x-content-type-options']).toBe('nosniff');
  });

  describe('authentication', () => {
    it('serves GET /me for a valid token, sending the actor from the token to identity', async () => {
      const res = await inject({
        method: 'GET',
        url: '/me',
        headers: { ...bearer(userToken), 'x-request-id': `me-${run}-01` },
      });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual(profile());
      const call = identity.calls(getMeQuery).at(-1)!;
      expect(call.payload).toEqual({ userId });
      expect(call.meta.actor).toMatchObject({ type: 'user', id: userId, roles: ['user'], tier: 'free' });
      expect(call.meta.requestId).toBe(`me-${run}-01`);
    });

    it('answers 401 problem+json without a token, and for forged, expired, wrong-kid and wrong-audience tokens', async () => {
      const forger = await testKey(key.kid);
      const tokensToRefuse = {
        missing: undefined,
        forged: await signAccessToken(forger, { sub: userId, sid: sessionId }),
        expired: await signAccessToken(
          key,
          { sub: userId, sid: sessionId },
          { expiresIn: Math.floor(Date.now() / 1000) - 60 },
        ),
        wrongKid: await signAccessToken(key, { sub: userId, sid: sessionId }, { kid: `unknown-${run}` }),
        wrongAudience: await signAccessToken(
          key,
          { sub: userId, sid: sessionId },
          { audience: 'someone-else' },
        ),
        garbage: 'not.a.jwt',
      };
      for (const [name, token] of Object.entries(tokensToRefuse)) {
        const res = await inject({ method: 'GET', url: '/me', headers: token ? bearer(token) : {} });
        expect(res.statusCode, name).toBe(401);
        expect(res.headers['content-type']).toContain('application/problem+json');
        expect(res.headers['www-authenticate']).toContain('Bearer');
        expect(res.json()).toMatchObject({
          type: 'https://ledgerline.dev/problems/unauthorized',
          status: 401,
        });
      }
    });

    it('accepts a token signed by a key published after start (JWKS refreshed on an unknown kid)', async () => {
      const rotated = await testKey(`rotated-${run}`);
      identity.on(getJwksQuery, () => ({ keys: [key.jwk, rotated.jwk] }));
      const token = await signAccessToken(rotated, { sub: userId, sid: sessionId });
      const res = await inject({ method: 'GET', url: '/me', headers: bearer(token) });
      expect(res.statusCode).toBe(200);
    });

    it('lets only admins in to /admin, with query strings parsed into the contract', async () => {
      identity.on(listUsersQuery, () => ({ items: [], total: 0, nextCursor: null }));
      const asUser = await inject({ method: 'GET', url: '/admin/users', headers: bearer(userToken) });
      expect(asUser.statusCode).toBe(403);
      const asAdmin = await inject({
        method: 'GET',
        url: '/admin/users?limit=5&sort=email&role=admin',
        headers: bearer(adminToken),
      });
      expect(asAdmin.statusCode).toBe(200);
      expect(identity.calls(listUsersQuery).at(-1)!.payload).toMatchObject({
        limit: 5,
        sort: 'email',
        role: 'admin',
      });
      const bad = await inject({
        method: 'GET',
        url: '/admin/users?limit=abc&bogus=1',
        headers: bearer(adminToken),
      });
      expect(bad.statusCode).toBe(422);
      expect(
        bad
          .json()
          .errors.map((e: { path: string }) => e.path)
          .sort(),
      ).toEqual(['query', 'query.limit']);
    });
  });

  describe('conditional GETs', () => {
    it('sends an ETag with Cache-Control and answers 304 to If-None-Match', async () => {
      const first = await inject({ method: 'GET', url: '/me', headers: bearer(userToken) });
      const etag = first.headers.etag as string;
      expect(etag).toMatch(/^".+"$/);
      expect(first.headers['cache-control']).toBe('private, max-age=0');
      const second = await inject({
        method: 'GET',
        url: '/me',
        headers: { ...bearer(userToken), 'if-none-match': etag },
      });
      expect(second.statusCode).toBe(304);
      expect(second.body).toBe('');
      const jwks = await inject({ method: 'GET', url: '/.well-known/jwks.json' });
      expect(jwks.headers['cache-control']).toBe('public, max-age=300');
    });
  });

  describe('bad input', () => {
    it('answers 400 for malformed JSON, 415 for a wrong content type, 422 with issues for invalid fields', async () => {
      const malformed = await inject({
        method: 'POST',
        url: '/auth/register',
        headers: { 'content-type': 'application/json' },
        payload: '{"email": ',
      });
      expect(malformed.statusCode).toBe(400);
      expect(malformed.json().type).toBe('https://ledgerline.dev/problems/malformed-request');
      const text = await inject({
        method: 'POST',
        url: '/auth/register',
        headers: { 'content-type': 'text/plain' },
        payload: 'hi',
      });
      expect(text.statusCode).toBe(415);
      const invalid = await inject({
        method: 'POST',
        url: '/auth/register',
        payload: { email: 'not-an-email', password: 42, displayName: 'A', userId: randomUUID() },
      });
      expect(invalid.statusCode).toBe(422);
      expect(invalid.headers['content-type']).toContain('application/problem+json');
      const body = invalid.json();
      expect(body).toMatchObject({
        type: 'https://ledgerline.dev/problems/validation',
        status: 422,
        instance: '/auth/register',
      });
      expect(body.errors.map((e: { path: string }) => e.path)).toEqual(
        expect.arrayContaining(['body.email', 'body.password', 'body']),
      );
    });

    it('answers 413 for a body over the limit and never 500 for junk', async () => {
      const huge = await inject({
        method: 'POST',
        url: '/auth/login',
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify({ email: 'a@b.test', password: 'x'.repeat(2 * 1024 * 1024) }),
      });
      expect(huge.statusCode).toBe(413);
      const junk: unknown[] = [
        null,
        [],
        'str',
        0,
        true,
        { email: [] },
        { email: { $ne: 1 } },
        { __proto__: { admin: true } },
      ];
      for (const payload of junk) {
        for (const url of ['/auth/register', '/auth/email/verify', '/auth/password/reset']) {
          const res = await inject({
            method: 'POST',
            url,
            headers: { 'content-type': 'application/json' },
            payload: JSON.stringify(payload),
          });
          expect(res.statusCode, `${url} ${JSON.stringify(payload)}`).toBeGreaterThanOrEqual(400);
          expect(res.statusCode, `${url} ${JSON.stringify(payload)}`).toBeLessThan(500);
        }
      }
      const badId = await inject({
        method: 'DELETE',
        url: '/me/sessions/not-a-uuid',
        headers: bearer(userToken),
      });
      expect(badId.statusCode).toBe(422);
    });
  });

  describe('errors from identity', () => {
    it('maps failed replies to their HTTP status', async () => {
      identity.on(registerUserCommand, ({ email }) => {
        if (email.startsWith('taken')) throw new ConflictError('E-mail already registered');
        if (email.startsWith('slow')) throw new RateLimitedError('Slow down', 7);
        throw new NotFoundError('nope');
      });
      const register = (email: string) =>
        inject({
          method: 'POST',
          url: '/auth/register',
          payload: { email, password: 'correct horse battery', displayName: 'A' },
        });
      expect((await register(`taken-${run}@example.test`)).statusCode).toBe(409);
      const limited = await register(`slow-${run}@example.test`);
      expect(limited.statusCode).toBe(429);
      expect(limited.headers['retry-after']).toBe('7');
      expect((await register(`other-${run}@example.test`)).statusCode).toBe(404);
    });
  });

  describe('rate limits', () => {
    it('answers 429 with Retry-After after the login limit, counting per IP + e-mail', async () => {
      identity.on(loginCommand, () => ({
        status: 'mfa_required' as const,
        challengeToken: 'c'.repeat(32),
        expiresAt: new Date().toISOString(),
      }));
      const login = (email: string) =>
        inject({ method: 'POST', url: '/auth/login', payload: { email, password: 'whatever-password' } });
      const email = `limited-${run}@example.test`;
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) statuses.push((await login(email)).statusCode);
      expect(statuses).toEqual([200, 200, 200]);
      const refused = await login(email);
      expect(refused.statusCode).toBe(429);
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
      expect(refused.headers['ratelimit-remaining']).toBe('0');
      expect(refused.json().type).toBe('https://ledgerline.dev/problems/rate-limited');
      expect((await login(`other-${run}@example.test`)).statusCode).toBe(200);
    });
  });

  describe('browser session flow', () => {
    it('sets httpOnly SameSite=Strict cookies on sign-in; the refresh token goes to the body only without Origin', async () => {
      identity.on(loginCommand, () => ({
        status: 'authenticated' as const,
        userId,
        emailVerified: true,
        tokens: tokens(),
      }));
      const api = await inject({
        method: 'POST',
        url: '/auth/login',
        payload: { email: `c-${run}@example.test`, password: 'pw-pw-pw-pw' },
      });
      expect(api.statusCode).toBe(200);
      expect(api.json().tokens.refreshToken).toBeDefined();
      const refresh = api.cookies.find((c) => c.name === 'll_refresh')!;
      expect(refresh).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/auth' });
      const browser = await inject({
        method: 'POST',
        url: '/auth/login',
        headers: { origin: APP_ORIGIN },
        payload: { email: `c2-${run}@example.test`, password: 'pw-pw-pw-pw' },
      });
      expect(browser.json().tokens.refreshToken).toBeUndefined();
      expect(browser.headers['access-control-allow-origin']).toBe(APP_ORIGIN);
    });

    it('refuses a cookie refresh without the CSRF token or from a foreign origin (403), accepts it with both', async () => {
      identity.on(refreshSessionCommand, () => tokens());
      const cookies = { ll_refresh: `${sessionId}.${'r'.repeat(24)}`, ll_csrf: 'csrf-token-value-123' };
      const missing = await inject({
        method: 'POST',
        url: '/auth/refresh',
        cookies,
        headers: { origin: APP_ORIGIN },
      });
      expect(missing.statusCode).toBe(403);
      expect(missing.json().type).toBe('https://ledgerline.dev/problems/csrf');
      const foreign = await inject({
        method: 'POST',
        url: '/auth/refresh',
        cookies,
        headers: { origin: 'https://evil.example', 'x-csrf-token': cookies.ll_csrf },
      });
      expect(foreign.statusCode).toBe(403);
      const good = await inject({
        method: 'POST',
        url: '/auth/refresh',
        cookies,
        headers: { origin: APP_ORIGIN, 'x-csrf-token': cookies.ll_csrf },
      });
      expect(good.statusCode).toBe(200);
      expect(good.json().refreshToken).toBeUndefined();
      expect(identity.calls(refreshSessionCommand).at(-1)!.payload.refreshToken).toBe(cookies.ll_refresh);
      // An API client sending the token in the body has no ambient credential to forge: no CSRF check.
      const api = await inject({
        method: 'POST',
        url: '/auth/refresh',
        payload: { refreshToken: cookies.ll_refresh },
      });
      expect(api.statusCode).toBe(200);
      expect(api.json().refreshToken).toBeDefined();
    });
  });

  describe('idempotency keys', () => {
    it('replays the stored response for the same key and body, 422 for another body, 409 while in flight', async () => {
      let release: () => void = () => {};
      identity.on(requestPasswordResetCommand, async ({ email }) => {
        if (email.startsWith('slow')) await new Promise<void>((resolve) => (release = resolve));
        return {};
      });
      identity.on(registerUserCommand, () => ({ userId: randomUUID() }));
      const key = `idem-${run}-1`;
      const body = {
        email: `idem-${run}@example.test`,
        password: 'correct horse battery',
        displayName: 'Idem',
      };
      const send = (payload: object, k = key) =>
        inject({ method: 'POST', url: '/auth/register', headers: { 'idempotency-key': k }, payload });
      const first = await send(body);
      expect(first.statusCode).toBe(202);
      const replay = await send({
        displayName: body.displayName,
        password: body.password,
        email: body.email,
      });
      expect(replay.statusCode).toBe(202);
      expect(replay.headers['idempotent-replayed']).toBe('true');
      expect(replay.json()).toEqual(first.json());
      expect(identity.calls(registerUserCommand).filter((c) => c.payload.email === body.email)).toHaveLength(
        1,
      );
      const mismatch = await send({ ...body, displayName: 'Other' });
      expect(mismatch.statusCode).toBe(422);
      expect(mismatch.json().type).toBe('https://ledgerline.dev/problems/idempotency-key-reused');

      const slow = { email: `slow-${run}@example.test` };
      const forgot = () =>
        inject({
          method: 'POST',
          url: '/auth/password/forgot',
          headers: { 'idempotency-key': `idem-${run}-2` },
          payload: slow,
        });
      const inFlight = forgot();
      await waitUntil(
        () => identity.calls(requestPasswordResetCommand).some((c) => c.payload.email === slow.email),
        5_000,
      );
      const concurrent = await forgot();
      expect(concurrent.statusCode).toBe(409);
      release();
      expect((await inFlight).statusCode).toBe(202);
    });
  });

  describe('availability', () => {
    it('answers 503 with Retry-After while identity is away, and recovers when it returns', async () => {
      expect((await inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
      await identity.stop();
      try {
        const down = await inject({ method: 'GET', url: '/me', headers: bearer(userToken) });
        expect(down.statusCode).toBe(503);
        expect(down.headers['retry-after']).toBeDefined();
        expect(down.json().type).toBe('https://ledgerline.dev/problems/unavailable');
        // Readiness is the gateway's own dependencies: it stays in its endpoints; ?full tells.
        expect((await inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
        const notReady = await inject({ method: 'GET', url: '/readyz?full' });
        expect(notReady.statusCode).toBe(503);
        expect(notReady.json().checks.identity.ok).toBe(false);
      } finally {
        identity.start();
      }
      await waitUntil(
        async () =>
          (await inject({ method: 'GET', url: '/me', headers: bearer(userToken) })).statusCode === 200,
        10_000,
      );
      expect((await inject({ method: 'GET', url: '/readyz?full' })).statusCode).toBe(200);
    });
  });

  describe('documentation', () => {
    it('publishes an OpenAPI 3.1 document listing every route with its operationId, and a docs page', async () => {
      const res = await inject({ method: 'GET', url: '/openapi.json' });
      expect(res.statusCode).toBe(200);
      const doc = res.json();
      expect(doc.openapi).toBe('3.1.0');
      const operations = Object.entries(
        doc.paths as Record<string, Record<string, { operationId: string }>>,
      ).flatMap(([path, methods]) =>
        Object.entries(methods).map(([method, op]) => `${method.toUpperCase()} ${path} ${op.operationId}`),
      );
      expect(operations.sort()).toEqual(EXPECTED_OPERATIONS.sort());
      const docs = await inject({ method: 'GET', url: '/docs' });
      expect(docs.statusCode).toBe(200);
      expect(docs.headers['content-type']).toContain('text/html');
      expect(docs.body).toContain('swagger-ui-bundle.js');
      expect(docs.body).toContain('data-openapi-url="/openapi.json"');
      for (const [file, type] of [
        ['swagger-ui-bundle.js', 'text/javascript'],
        ['swagger-ui.css', 'text/css'],
        ['explorer.js', 'text/javascript'],
      ]) {
        const asset = await inject({ method: 'GET', url: `/docs/assets/${file}` });
        expect(asset.statusCode).toBe(200);
        expect(asset.headers['content-type']).toContain(type);
        expect(asset.body.length).toBeGreaterThan(100);
      }
      expect((await inject({ method: 'GET', url: '/docs/assets/..%2Fpackage.json' })).statusCode).toBe(422);
    });

    it('hides the docs in production except from admins, and serves under ROOT_PATH', async () => {
      const { redisUrl } = await infrastructure();
      const prod = await createGateway({
        config: loadGatewayConfig({
          NODE_ENV: 'production',
          LOG_LEVEL: 'silent',
          NATS_URL: testNats.url,
          REDIS_URL: redisUrl,
          ROOT_PATH: '/api',
          REDIS_KEY_PREFIX: `gwtest:${run}:`,
        }),
        nats: nc,
        redis,
      });
      try {
        expect((await prod.app.inject({ method: 'GET', url: '/api/healthz' })).statusCode).toBe(200);
        expect((await prod.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(404);
        expect((await prod.app.inject({ method: 'GET', url: '/api/docs' })).statusCode).toBe(404);
        const asAdmin = await prod.app.inject({
          method: 'GET',
          url: '/api/docs',
          headers: bearer(adminToken),
        });
        expect(asAdmin.statusCode).toBe(200);
      } finally {
        await prod.close();
      }
    });
  });
});

const EXPECTED_OPERATIONS = [
  'POST /auth/register register',
  'POST /auth/login login',
  'POST /auth/code/request requestSignInCode',
  'POST /auth/code/verify verifySignInCode',
  'POST /auth/mfa/verify verifyMfa',
  'POST /auth/refresh refresh',
  'POST /auth/logout logout',
  'POST /auth/logout-all logoutAll',
  'POST /auth/email/verify verifyEmail',
  'POST /auth/email/resend resendVerification',
  'POST /auth/password/forgot forgotPassword',
  'POST /auth/password/reset resetPassword',
  'GET /me getMe',
  'PATCH /me updateMe',
  'DELETE /me deactivateMe',
  'POST /me/password changePassword',
  'GET /me/sessions listMySessions',
  'DELETE /me/sessions/{id} revokeSession',
  'POST /me/mfa/totp startTotpEnrolment',
  'POST /me/mfa/totp/confirm confirmTotpEnrolment',
  'DELETE /me/mfa/totp disableTotp',
  'GET /admin/users listUsers',
  'GET /admin/users/{id} getUser',
  'PATCH /admin/users/{id} updateUser',
  'POST /files/uploads requestUpload',
  'GET /files/uploads/{id}/parts listParts',
  'POST /files/{id}/complete complete',
  'GET /files listFiles',
  'GET /files/{id} getFile',
  'GET /files/{id}/download download',
  'DELETE /files/{id} deleteFile',
  'GET /me/storage storage',
  'GET /admin/files adminListFiles',
  'GET /billing/plans listPlans',
  'POST /billing/checkout startCheckout',
  'GET /billing/checkout/complete completeCheckout',
  'POST /billing/portal createPortalSession',
  'GET /billing/subscription getSubscription',
  'POST /billing/subscription/cancel cancelSubscription',
  'POST /billing/subscription/resume resumeSubscription',
  'POST /billing/subscription/change changePlan',
  'GET /billing/invoices listInvoices',
  'GET /admin/billing/subscriptions listSubscriptions',
  'GET /.well-known/jwks.json getJwks',
  'GET /healthz liveness',
  'GET /readyz readiness',
  'GET /openapi.json openApiDocument',
  'GET /docs docs',
  'GET /docs/assets/{file} docsAsset',
  'GET /verify-email verifyEmailPage',
  'POST /verify-email verifyEmailSubmit',
  'GET /reset-password resetPasswordPage',
  'POST /reset-password resetPasswordSubmit',
];
