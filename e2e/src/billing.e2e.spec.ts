import { randomBytes } from 'node:crypto';
import { createWebhookIngress, loadGatewayConfig, type WebhookIngress } from '@ledgerline/api-gateway';
import { billingService, DEFAULT_PLANS_FILE, loadPlanFile } from '@ledgerline/billing';
import { createLogger, type RunningService, startService } from '@ledgerline/platform';
import {
  dropServiceSchemas,
  FakeStripe,
  infrastructure,
  StripeWebhookSender,
  testPool,
  waitUntil,
} from '@ledgerline/testing';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cluster, startCluster } from './cluster.js';
import { login, mailTo, register, uniqueEmail } from './flows.js';
import { call } from './http.js';

const PUBLIC_URL = 'http://app.ledgerline.test';
const SECRET = 'whsec_e2e_billing';
const FREE_LIMIT = 20;

let cluster: Cluster;
let stripe: FakeStripe;
let ingress: WebhookIngress;
let billing: RunningService;
let sender: StripeWebhookSender;
const schema = `billing-e2e${randomBytes(4).toString('hex')}`;

beforeAll(async () => {
  cluster = await startCluster(
    { RATE_LIMIT_FREE: String(FREE_LIMIT), RATE_LIMIT_ENTERPRISE: '1000' },
    { except: ['billing'] }, // started below, against a fake Stripe
  );
  const { databaseUrl, redisUrl } = await infrastructure();
  const common = {
    NODE_ENV: 'test',
    LOG_LEVEL: 'error',
    DATABASE_URL: databaseUrl,
    NATS_URL: cluster.natsUrl,
    REDIS_URL: redisUrl,
  };
  stripe = await FakeStripe.start({ plans: loadPlanFile(DEFAULT_PLANS_FILE).plans });
  const logger = createLogger({ service: 'e2e-billing', level: 'error' });
  billing = await startService(billingService, {
    env: {
      ...common,
      SERVICE_SCHEMA: schema,
      STRIPE_API_URL: stripe.url,
      STRIPE_SECRET_KEY: stripe.apiKey,
      BILLING_SUCCESS_URL: `${PUBLIC_URL}/billing/checkout/complete?session_id={CHECKOUT_SESSION_ID}`,
      BILLING_CANCEL_URL: `${PUBLIC_URL}/billing`,
      BILLING_PORTAL_RETURN_URL: `${PUBLIC_URL}/billing`,
    },
    logger,
    handleSignals: false,
  });
  // The same gateway image in webhooks-only mode, on its own port.
  ingress = await createWebhookIngress({
    config: loadGatewayConfig({
      ...common,
      PORT: '0',
      HOST: '127.0.0.1',
      WEBHOOKS_ONLY: 'true',
      STRIPE_WEBHOOK_SECRETS: SECRET,
    }),
    logger,
  });
  const ingressUrl = await ingress.listen();
  sender = new StripeWebhookSender(`${ingressUrl}/webhooks/stripe`, SECRET).attach(stripe);
}, 120_000);

afterAll(async () => {
  await sender?.stop();
  await ingress?.close();
  await billing?.close();
  await stripe?.close();
  await cluster?.stop();
  const pool = await testPool(2);
  await dropServiceSchemas(pool, schema);
  await pool.end();
});

const tierOf = (accessToken: string) => decodeJwt(accessToken).tier;

async function refreshedToken(refreshToken: string): Promise<{ accessToken: string; refreshToken: string }> {
  const response = await call<{ accessToken: string; refreshToken: string }>(
    cluster.baseUrl,
    'POST',
    '/auth/refresh',
    {
      body: { refreshToken },
    },
  );
  expect(response.status).toBe(200);
  return response.body;
}

describe('billing through the gateway and the webhook ingress (fake Stripe API, real identity/NATS/Postgres)', () => {
  it('lists the plans publicly', async () => {
    const plans = await call<{ items: Array<{ planId: string }> }>(cluster.baseUrl, 'GET', '/billing/plans');
    expect(plans.status).toBe(200);
    expect(plans.body.items.map((p) => p.planId)).toEqual(['free', 'pro', 'enterprise']);
  });

  it('checkout → paid → webhook → enterprise subscription, tier in a fresh token, its rate limit applies', async () => {
    const email = uniqueEmail('billing');
    await register(cluster, email);
    const session = await login(cluster, email);
    const before = await call(cluster.baseUrl, 'GET', '/billing/subscription', {
      token: session.accessToken,
    });
    expect(before.body).toMatchObject({ status: 'none', tier: 'free' });

    const checkout = await call<{ url: string; sessionId: string }>(
      cluster.baseUrl,
      'POST',
      '/billing/checkout',
      {
        token: session.accessToken,
        body: { planId: 'enterprise', interval: 'month' },
      },
    );
    expect(checkout.status).toBe(201);
    expect(checkout.body.url).toContain(checkout.body.sessionId);
    stripe.completeCheckout(checkout.body.sessionId);
    await sender.flush();

    let tokens = { accessToken: session.accessToken, refreshToken: session.refreshToken };
    await waitUntil(async () => {
      tokens = await refreshedToken(tokens.refreshToken);
      return tierOf(tokens.accessToken) === 'enterprise';
    }, 45_000);
    const sub = await call(cluster.baseUrl, 'GET', '/billing/subscription', { token: tokens.accessToken });
    expect(sub.body).toMatchObject({
      status: 'active',
      planId: 'enterprise',
      tier: 'enterprise',
      cancelAtPeriodEnd: false,
    });

    // Past the free allowance with the enterprise token: never 429. The old free token is held to 20.
    for (let i = 0; i < FREE_LIMIT + 5; i++) {
      const r = await call(cluster.baseUrl, 'GET', '/billing/subscription', { token: tokens.accessToken });
      expect(r.status).toBe(200);
    }
    const old = await call(cluster.baseUrl, 'GET', '/billing/subscription', { token: session.accessToken });
    expect(old.status).toBe(429);

    const again = await call(cluster.baseUrl, 'POST', '/billing/checkout', {
      token: tokens.accessToken,
      body: { planId: 'pro', interval: 'month' },
    });
    expect(again.status).toBe(409);
  });

  it('a failed renewal e-mails the user the amount and the portal link (dunning through the notifier)', async () => {
    const email = uniqueEmail('billing-dunning');
    await register(cluster, email);
    const session = await login(cluster, email);
    const checkout = await call<{ sessionId: string }>(cluster.baseUrl, 'POST', '/billing/checkout', {
      token: session.accessToken,
      body: { planId: 'pro', interval: 'month' },
    });
    expect(checkout.status).toBe(201);
    const customerId = String(stripe.completeCheckout(checkout.body.sessionId).customer);
    await sender.flush();
    await waitUntil(async () => {
      const sub = await call<{ status: string }>(cluster.baseUrl, 'GET', '/billing/subscription', {
        token: session.accessToken,
      });
      return sub.body.status === 'active' || sub.body.status === 'trialing';
    }, 45_000);

    stripe.setCardDeclines(customerId);
    stripe.advance(31 * 86_400 + 60);
    await sender.flush();
    // Stripe's event → ingress → billing (re-fetch) → PaymentFailed → relay → notifier → SMTP.
    const mail = await mailTo(cluster, email, /payment.+failed/i, 45_000).catch((error: unknown) => {
      const seen = cluster.smtp.to(email).map((m) => m.subject);
      throw new Error(`no dunning mail; mails to ${email}: ${JSON.stringify(seen)}`, { cause: error });
    });
    expect(mail).toMatch(/Update your payment method: https?:\/\//);
  }, 120_000);

  it('lands on the success URL before the webhook, manages the subscription, lists invoices', async () => {
    const email = uniqueEmail('billing-land');
    await register(cluster, email);
    const { accessToken } = await login(cluster, email);
    const token = accessToken;
    sender.setMode('hold');
    const checkout = await call<{ sessionId: string }>(cluster.baseUrl, 'POST', '/billing/checkout', {
      token,
      body: { planId: 'pro', interval: 'year' },
    });
    stripe.completeCheckout(checkout.body.sessionId);
    const landed = await call(
      cluster.baseUrl,
      'GET',
      `/billing/checkout/complete?session_id=${checkout.body.sessionId}`,
      {
        token,
      },
    );
    expect(landed.status).toBe(200);
    expect(landed.body).toMatchObject({ status: 'trialing', planId: 'pro', tier: 'pro', interval: 'year' });
    sender.setMode('deliver');
    await sender.flush();

    const cancel = await call(cluster.baseUrl, 'POST', '/billing/subscription/cancel', { token });
    expect(cancel.status).toBe(200);
    expect(cancel.body).toMatchObject({ cancelAtPeriodEnd: true });
    const resume = await call(cluster.baseUrl, 'POST', '/billing/subscription/resume', { token });
    expect(resume.body).toMatchObject({ cancelAtPeriodEnd: false });
    const change = await call(cluster.baseUrl, 'POST', '/billing/subscription/change', {
      token,
      body: { planId: 'enterprise', interval: 'year' },
    });
    expect(change.status).toBe(200);
    expect(change.body).toMatchObject({ planId: 'enterprise', interval: 'year' });
    const portal = await call<{ url: string }>(cluster.baseUrl, 'POST', '/billing/portal', { token });
    expect(portal.status).toBe(201);
    expect(portal.body.url).toMatch(/^https:\/\//);
    const invoices = await call<{ items: Array<{ amountDue: number }>; nextCursor: string | null }>(
      cluster.baseUrl,
      'GET',
      '/billing/invoices?limit=10',
      { token },
    );
    expect(invoices.status).toBe(200);
    expect(invoices.body.items.length).toBeGreaterThan(0);
    expect(invoices.body.nextCursor).toBeNull();
  });

  it('refuses the landing call of a user the session does not belong to', async () => {
    const owner = uniqueEmail('billing-owner');
    await register(cluster, owner);
    const ownerSession = await login(cluster, owner);
    const checkout = await call<{ sessionId: string }>(cluster.baseUrl, 'POST', '/billing/checkout', {
      token: ownerSession.accessToken,
      body: { planId: 'pro', interval: 'month' },
    });
    const other = uniqueEmail('billing-other');
    await register(cluster, other);
    const otherSession = await login(cluster, other);
    const peek = await call(
      cluster.baseUrl,
      'GET',
      `/billing/checkout/complete?session_id=${checkout.body.sessionId}`,
      {
        token: otherSession.accessToken,
      },
    );
    expect(peek.status).toBe(404);
    const anonymous = await call(
      cluster.baseUrl,
      'GET',
      `/billing/checkout/complete?session_id=${checkout.body.sessionId}`,
    );
    expect(anonymous.status).toBe(401);
  });
});
