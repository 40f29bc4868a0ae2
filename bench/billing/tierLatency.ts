import { randomBytes } from 'node:crypto';
import { isAppError, registerUserCommand, startCheckoutCommand } from '@ledgerline/contracts';
import { connectNats, type NatsConnection, natsRequest, newRootMeta } from '@ledgerline/platform';
import { FakeStripe, type StripeEvent, StripeWebhookSender, type TestNats } from '@ledgerline/testing';
import { type Child, startTs, waitForOk } from '../gateway/processes.js';
import { percentile } from '../kernel/stats.js';
import { plans } from './plans.js';

export interface TierLatency {
  subscriptions: number;
  p50: number;
  p99: number;
  max: number;
  /** Subscriptions whose tier change was never seen within the deadline. */
  missing: number;
}

const SECRET = 'whsec_bench_tier';

async function retrying<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      const code = isAppError(error) ? error.code : undefined;
      if (attempt >= 20 || (code !== 'UNAVAILABLE' && code !== 'TIMEOUT' && code !== 'RATE_LIMITED'))
        throw error;
      await new Promise((resolve) => setTimeout(resolve, 200 * (attempt + 1)));
    }
  }
}

/**
 * Webhook received → tier visible in identity: N users check out; the bench then delivers each
 * user's Stripe events to the webhook ingress (signed) and times until identity publishes the
 * user's UserTierChanged (identity committed the tier; the next token carries it). Identity,
 * billing and the ingress run as their own processes on a private NATS; Stripe is the local fake.
 */
export async function benchTierLatency(
  nats: TestNats,
  env: { databaseUrl: string; redisUrl: string },
  options: {
    users: number;
    /** Subscriptions delivered per second. */
    rate: number;
    ingressPort: number;
    schemas: { identity: string; billing: string };
  },
): Promise<TierLatency> {
  const stripe = await FakeStripe.start({ plans: plans() });
  const common = {
    NATS_URL: nats.url,
    DATABASE_URL: env.databaseUrl,
    REDIS_URL: env.redisUrl,
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
  };
  const children: Child[] = [
    startTs('services/identity/src/main.ts', {
      ...common,
      SERVICE_SCHEMA: options.schemas.identity,
      ARGON2_MEMORY_KIB: '8192',
      ARGON2_TIME_COST: '1',
    }),
    startTs('services/billing/src/main.ts', {
      ...common,
      SERVICE_SCHEMA: options.schemas.billing,
      STRIPE_API_URL: stripe.url,
      STRIPE_SECRET_KEY: stripe.apiKey,
    }),
    startTs('services/api-gateway/src/main.ts', {
      ...common,
      PORT: String(options.ingressPort),
      HOST: '127.0.0.1',
      WEBHOOKS_ONLY: 'true',
      STRIPE_WEBHOOK_SECRETS: SECRET,
    }),
  ];
  const nc: NatsConnection = await connectNats({ servers: nats.url, name: 'bench-tier' });
  try {
    // Three services compile under tsx at once: slow on a busy machine.
    await waitForOk(`http://127.0.0.1:${options.ingressPort}/readyz`, 300_000);
    const sender = new StripeWebhookSender(`http://127.0.0.1:${options.ingressPort}/webhooks/stripe`, SECRET);
    sender.attach(stripe, 'hold');
    const run = randomBytes(3).toString('hex');

    // Sign-ups and checkouts first (not timed): each user's Stripe events are held for delivery.
    const perUser = new Map<string, StripeEvent[]>();
    let next = 0;
    const prepare = async () => {
      for (let i = next++; i < options.users; i = next++) {
        const { userId } = await retrying(() =>
          natsRequest(nc, registerUserCommand, {
            email: `tier-${run}-${i}@example.test`,
            password: 'benchmark passphrase 2026!',
            displayName: `Tier ${i}`,
          }),
        );
        const meta = newRootMeta({ type: 'user', id: userId, roles: ['user'] });
        const { sessionId } = await retrying(() =>
          natsRequest(
            nc,
            startCheckoutCommand,
            { planId: 'enterprise', interval: 'month' },
            { meta, timeoutMs: 15_000 },
          ),
        );
        stripe.completeCheckout(sessionId);
        perUser.set(
          userId,
          sender.takeHeld().filter((e) => e.type !== 'customer.created'),
        );
      }
    };
    await Promise.all(Array.from({ length: 1 }, prepare));
    console.log(`tier latency: ${perUser.size} users checked out; delivering webhooks`);

    const seen = new Map<string, number>();
    const subscription = nc.subscribe('evt.identity.UserTierChanged', {
      callback: (_err, msg) => {
        const { data } = JSON.parse(msg.string()) as { data: { userId: string; tier: string } };
        if (data.tier === 'enterprise' && !seen.has(data.userId)) seen.set(data.userId, performance.now());
      },
    });
    // BENCH_DEBUG=1: when each hop saw the user first (entitlements published, tier command sent).
    const hops = { entitlements: new Map<string, number>(), command: new Map<string, number>() };
    const debug = process.env.BENCH_DEBUG
      ? [
          nc.subscribe('evt.billing.EntitlementsChanged', {
            callback: (_e, m) => {
              const id = (JSON.parse(m.string()) as { data: { userId: string } }).data.userId;
              if (!hops.entitlements.has(id)) hops.entitlements.set(id, performance.now());
            },
          }),
          nc.subscribe('identity.cmd.ChangeUserTier', {
            callback: (_e, m) => {
              const id = (JSON.parse(m.string()) as { userId: string }).userId;
              if (!hops.command.has(id)) hops.command.set(id, performance.now());
            },
          }),
        ]
      : [];
    const sentAt = new Map<string, number>();
    // Paced at `rate` subscriptions per second: latency at a sustained load, not the drain time of
    // a backlog (each subscription's events go out in Stripe's order, one after another).
    const deliver = async (userId: string, events: StripeEvent[]) => {
      sentAt.set(userId, performance.now());
      for (const event of events) {
        const [delivery] = await sender.send(event);
        if (delivery?.status !== 200) throw new Error(`ingress answered ${delivery?.status}`);
      }
    };
    const started = performance.now();
    const inFlight: Promise<void>[] = [];
    let index = 0;
    for (const [userId, events] of perUser) {
      const due = started + (index++ * 1000) / options.rate;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      inFlight.push(deliver(userId, events));
    }
    await Promise.all(inFlight);
    const deadline = Date.now() + 120_000;
    while (seen.size < perUser.size && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    subscription.unsubscribe();
    for (const sub of debug) sub.unsubscribe();
    if (debug.length > 0) {
      const delta = (from: Map<string, number>, to: Map<string, number>) =>
        percentile(
          [...to.entries()].map(([id, t]) => t - (from.get(id) ?? t)),
          50,
        );
      console.log(
        `hops p50: sent→EntitlementsChanged ${Math.round(delta(sentAt, hops.entitlements))} ms, →ChangeUserTier ${Math.round(delta(hops.entitlements, hops.command))} ms, →UserTierChanged ${Math.round(delta(hops.command, seen))} ms`,
      );
    }
    await sender.stop();
    const latencies = [...sentAt.entries()].flatMap(([userId, at]) => {
      const done = seen.get(userId);
      return done === undefined ? [] : [done - at];
    });
    return {
      subscriptions: perUser.size,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      max: Math.max(...latencies),
      missing: perUser.size - latencies.length,
    };
  } finally {
    await nc.close();
    for (const child of children.reverse()) await child.stop();
    await stripe.close();
  }
}
