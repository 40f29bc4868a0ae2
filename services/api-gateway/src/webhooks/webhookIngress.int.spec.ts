import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeNats, connectNats, ensureStreams, type NatsConnection } from '@ledgerline/platform';
import { answers, FakeStripe, type StripeEvent, StripeWebhookSender, waitUntil } from '@ledgerline/testing';
import { jetstreamManager } from '@nats-io/jetstream';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadGatewayConfig } from '../config.js';
import { createWebhookIngress, type WebhookIngress } from './webhookIngress.js';

// A NATS server this file can stop and start again on the same port and store (an outage).
class RestartableNats {
  private child?: ChildProcess;
  constructor(
    readonly port: number,
    private readonly storeDir: string,
  ) {}
  get url() {
    return `nats://127.0.0.1:${this.port}`;
  }
  async start() {
    const args = ['-a', '127.0.0.1', '-p', String(this.port), '-js', '-sd', this.storeDir];
    this.child = spawn(process.env.NATS_SERVER_BIN ?? '/usr/sbin/nats-server', args, { stdio: 'ignore' });
    await waitUntil(() => answers(this.url), 10_000);
  }
  async stop() {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  }
}

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });

const plans = [
  {
    planId: 'pro',
    name: 'Pro',
    prices: [{ interval: 'month' as const, stripePriceId: 'price_pro_m', amount: 1500, currency: 'eur' }],
  },
];

describe('Stripe webhook ingress (WEBHOOKS_ONLY) over real NATS JetStream', () => {
  let natsServer: RestartableNats;
  let storeDir: string;
  let nc: NatsConnection;
  let ingress: WebhookIngress;
  let url: string;
  let fake: FakeStripe;
  let events: StripeEvent[];
  let sender: StripeWebhookSender;
  let senderNew: StripeWebhookSender;

  const storedCount = async (subject: string): Promise<number> => {
    const jsm = await jetstreamManager(nc);
    const info = await jsm.streams.info('EXTERNAL', { subjects_filter: subject });
    return Object.values(info.state.subjects ?? {}).reduce((sum, n) => sum + n, 0);
  };
  const byType = (type: string): StripeEvent => {
    const event = events.find((e) => e.type === type);
    if (!event) throw new Error(`no ${type}`);
    return event;
  };

  beforeAll(async () => {
    storeDir = await mkdtemp(join(tmpdir(), 'll-webhooks-'));
    natsServer = new RestartableNats(await freePort(), storeDir);
    await natsServer.start();
    nc = await connectNats({ servers: [natsServer.url], name: 'webhooks-test' });
    await ensureStreams(nc);
    const config = loadGatewayConfig({
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      NATS_URL: natsServer.url,
      PORT: '0',
      HOST: '127.0.0.1',
      WEBHOOKS_ONLY: 'true',
      STRIPE_WEBHOOK_SECRETS: 'whsec_old, whsec_new',
      NATS_REQUEST_TIMEOUT_MS: '1000',
      WEBHOOK_BODY_LIMIT_BYTES: '65536',
    });
    ingress = await createWebhookIngress({ config, nats: nc });
    url = await ingress.listen();
    fake = await FakeStripe.start({ plans });
    const stripe = new Stripe(fake.apiKey, { ...fake.clientOptions, maxNetworkRetries: 0 });
    const customer = await stripe.customers.create({ email: 'hook@example.com' });
    const session = await stripe.checkout.sessions.create({
      mode: 'subscription',
      customer: customer.id,
      line_items: [{ price: 'price_pro_m', quantity: 1 }],
      success_url: 'https://app.test/ok',
    });
    fake.completeCheckout(session.id);
    events = [...fake.events];
    sender = new StripeWebhookSender(`${url}/webhooks/stripe`, 'whsec_old');
    senderNew = new StripeWebhookSender(`${url}/webhooks/stripe`, 'whsec_new');
  });

  afterAll(async () => {
    await ingress?.close();
    await closeNats(nc).catch(() => undefined);
    await natsServer?.stop();
    await fake?.close();
    await rm(storeDir, { recursive: true, force: true });
  });

  it('publishes the untouched payload on ext.stripe.<type> with Nats-Msg-Id = event id, after the ack', async () => {
    const event = byType('customer.subscription.created');
    const [delivery] = await sender.send(event);
    expect(delivery?.status).toBe(200);
    const jsm = await jetstreamManager(nc);
    const stored = await jsm.streams.getMessage('EXTERNAL', { last_by_subj: `ext.stripe.${event.type}` });
    expect(stored?.header?.get('Nats-Msg-Id')).toBe(event.id);
    expect(stored?.string()).toBe(JSON.stringify(event, null, 2));
  });

  it('accepts either rotation secret and stores a delivery sent five times once', async () => {
    const event = byType('invoice.paid');
    const statuses = [
      ...(await sender.send(event, { times: 3 })),
      ...(await senderNew.send(event, { times: 2 })),
    ];
    expect(statuses.map((d) => d.status)).toEqual([200, 200, 200, 200, 200]);
    expect(await storedCount('ext.stripe.invoice.paid')).toBe(1);
  });

  it('refuses bad signatures, stale timestamps, truncated and non-JSON bodies with 400, publishing nothing', async () => {
    const event = byType('checkout.session.completed');
    const subject = 'ext.stripe.checkout.session.completed';
    const cases = [
      await sender.send(event, { secret: 'whsec_attacker' }),
      await sender.send(event, { timestamp: Math.floor(Date.now() / 1000) - 301 }),
      await sender.send(event, { truncateTo: 100 }),
      await sender.send(event, { unsigned: true }),
      await sender.send('this is not json'),
    ];
    for (const [delivery] of cases) {
      expect(delivery?.status).toBe(400);
      expect(JSON.parse(delivery?.body ?? '{}')).toMatchObject({
        status: 400,
        type: expect.stringMatching(/^https:/),
      });
    }
    expect(await storedCount(subject)).toBe(0);
  });

  it('answers an oversize body 413 problem+json and drops unlisted types with a 2xx', async () => {
    const big = await fetch(`${url}/webhooks/stripe`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'stripe-signature': 't=1,v1=x' },
      body: 'x'.repeat(70_000),
    });
    expect(big.status).toBe(413);
    expect(big.headers.get('content-type')).toContain('application/problem+json');
    const created = byType('customer.created');
    expect((await sender.send(created))[0]?.status).toBe(200);
    expect(await storedCount('ext.stripe.customer.created')).toBe(0);
  });

  it('serves nothing else: API routes are 404, probes answer', async () => {
    expect((await fetch(`${url}/me`)).status).toBe(404);
    expect((await fetch(`${url}/auth/login`, { method: 'POST', body: '{}' })).status).toBe(404);
    expect((await fetch(`${url}/billing/plans`)).status).toBe(404);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
  });

  it('answers every other path and method with a 404 problem, and a body growing past the cap mid-stream with 413', async () => {
    for (const [method, path] of [
      ['GET', '/webhooks/stripe'],
      ['POST', '/webhooks/stripe/'],
      ['POST', '/webhooks/other'],
      ['DELETE', '/healthz'],
    ] as const) {
      const response = await fetch(`${url}${path}`, { method });
      expect(response.status, `${method} ${path}`).toBe(404);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      expect(await response.json()).toMatchObject({ status: 404, type: expect.stringMatching(/not-found$/) });
    }
    // No Content-Length (chunked): the cap is enforced while reading.
    const chunks = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 10; i++) controller.enqueue(new Uint8Array(10_000).fill(120));
        controller.close();
      },
    });
    const big = await fetch(`${url}/webhooks/stripe`, {
      method: 'POST',
      headers: { 'stripe-signature': 't=1,v1=x' },
      body: chunks,
      duplex: 'half',
    } as RequestInit);
    expect(big.status).toBe(413);
    expect(await big.json()).toMatchObject({ status: 413 });
  });

  it('shuts down gracefully: a delivery in flight is still stored and answered, then nothing is accepted', async () => {
    const config = loadGatewayConfig({
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      NATS_URL: natsServer.url,
      PORT: '0',
      HOST: '127.0.0.1',
      WEBHOOKS_ONLY: 'true',
      STRIPE_WEBHOOK_SECRETS: 'whsec_old',
    });
    const second = await createWebhookIngress({ config, nats: nc });
    const secondUrl = await second.listen();
    const event = { ...byType('invoice.paid'), id: `evt_graceful_${Date.now()}` };
    const body = JSON.stringify(event, null, 2);
    const signature = Stripe.webhooks.generateTestHeaderString({ payload: body, secret: 'whsec_old' });
    const received = new Promise<void>((resolve) => second.server.once('request', () => resolve()));
    const answered = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(`${secondUrl}/webhooks/stripe`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          'stripe-signature': signature,
        },
      });
      req.on('response', (res) => {
        let text = '';
        res.on('data', (chunk) => {
          text += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      });
      req.on('error', reject);
      // Half the body now, the rest once shutdown has begun: the delivery is in flight meanwhile.
      req.write(body.slice(0, 100));
      void received.then(() => {
        closed = second.close();
        req.end(body.slice(100));
      });
    });
    let closed: Promise<void> | undefined;
    const answer = await answered;
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({ received: true });
    await closed;
    const jsm = await jetstreamManager(nc);
    const stored = await jsm.streams.getMessage('EXTERNAL', { last_by_subj: 'ext.stripe.invoice.paid' });
    expect(stored?.header?.get('Nats-Msg-Id')).toBe(event.id);
    await expect(fetch(`${secondUrl}/healthz`)).rejects.toThrow();
    // The shared connection is left open for its owner.
    expect(nc.isClosed()).toBe(false);
  });

  it('answers 503 while NATS is down and stores the event once when Stripe retries', async () => {
    const event = byType('checkout.session.completed'); // refused above, so never stored yet
    await natsServer.stop();
    const [down] = await sender.send(event);
    expect(down?.status).toBe(503);
    await natsServer.start();
    await waitUntil(async () => (await sender.send(event))[0]?.status === 200, 30_000);
    await sender.send(event, { times: 2 });
    expect(await storedCount('ext.stripe.checkout.session.completed')).toBe(1);
  });
});
