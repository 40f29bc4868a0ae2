import { randomBytes } from 'node:crypto';
import { connectNats, ensureStreams } from '@ledgerline/platform';
import type { TestNats } from '@ledgerline/testing';
import { jetstream } from '@nats-io/jetstream';
import autocannon from 'autocannon';
import Stripe from 'stripe';
import { type Child, startTs, waitForOk } from '../gateway/processes.js';

export interface IngressLoad {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  /** Responses by status (every one should be 200). */
  statuses: Record<number, number>;
  errors: number;
}

export interface IngressRun {
  ingress: IngressLoad;
  /** Acked JetStream publishes of the same payloads at the same concurrency, per second. */
  rawPerSecond: number;
}

const SECRET = 'whsec_bench_ingress';
const CONNECTIONS = 50;

/** A Stripe-shaped `invoice.paid` event (pretty-printed, as Stripe sends it) with a fresh id. */
const payload = (): string =>
  JSON.stringify(
    {
      id: `evt_${randomBytes(12).toString('hex')}`,
      object: 'event',
      api_version: '2026-10-28.endive',
      created: Math.floor(Date.now() / 1000),
      type: 'invoice.paid',
      livemode: false,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
      data: {
        object: {
          id: `in_${randomBytes(12).toString('hex')}`,
          object: 'invoice',
          customer: `cus_${randomBytes(8).toString('hex')}`,
          status: 'paid',
          amount_due: 1500,
          amount_paid: 1500,
          currency: 'eur',
          parent: { type: 'subscription_details', subscription_details: { subscription: 'sub_bench' } },
        },
      },
    },
    null,
    2,
  );

/** Raw baseline: as many acked JetStream publishes as `CONNECTIONS` concurrent publishers do in `seconds`. */
async function rawPublishes(natsUrl: string, seconds: number): Promise<number> {
  const nc = await connectNats({ servers: natsUrl, name: 'bench-raw' });
  const js = jetstream(nc);
  let count = 0;
  const until = Date.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (Date.now() < until) {
        const body = payload();
        const id = /"id": "([^"]+)"/.exec(body)?.[1] ?? '';
        await js.publish('ext.stripe.invoice.paid', body, { msgID: id });
        count++;
      }
    }),
  );
  await nc.close();
  return count / seconds;
}

/**
 * The webhook ingress (the gateway image with WEBHOOKS_ONLY=true, its own process) under signed
 * `invoice.paid` deliveries at 50 connections, each verified byte for byte and published to
 * EXTERNAL before its 2xx, beside raw acked publishes of the same payloads in the same run.
 */
export async function benchIngress(
  nats: TestNats,
  port: number,
  seconds: number,
  runs: number,
): Promise<IngressRun[]> {
  const setup = await connectNats({ servers: nats.url, name: 'bench-setup' });
  await ensureStreams(setup);
  await setup.close();
  const children: Child[] = [
    startTs('services/api-gateway/src/main.ts', {
      NATS_URL: nats.url,
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      PORT: String(port),
      HOST: '127.0.0.1',
      WEBHOOKS_ONLY: 'true',
      STRIPE_WEBHOOK_SECRETS: SECRET,
    }),
  ];
  const out: IngressRun[] = [];
  try {
    await waitForOk(`http://127.0.0.1:${port}/readyz`, 180_000);
    for (let run = 1; run <= runs; run++) {
      const rawPerSecond = await rawPublishes(nats.url, seconds);
      const ingress = await signedLoad(`http://127.0.0.1:${port}/webhooks/stripe`, seconds);
      out.push({ ingress, rawPerSecond });
      console.log(
        `ingress run ${run}/${runs}: ${Math.round(ingress.requestsPerSecond)} webhooks/s (p99 ${ingress.p99} ms, statuses ${JSON.stringify(ingress.statuses)}) vs raw ${Math.round(rawPerSecond)} publishes/s`,
      );
    }
  } finally {
    for (const child of children) await child.stop();
  }
  return out;
}

/** autocannon with a fresh event and its signature per request, counting responses by status. */
async function signedLoad(url: string, seconds: number): Promise<IngressLoad> {
  const statuses: Record<number, number> = {};
  const result = await autocannon({
    url,
    method: 'POST',
    connections: CONNECTIONS,
    duration: seconds,
    headers: { 'content-type': 'application/json' },
    requests: [
      {
        setupRequest: (req) => {
          const body = payload();
          const signature = Stripe.webhooks.generateTestHeaderString({ payload: body, secret: SECRET });
          return { ...req, body, headers: { ...req.headers, 'stripe-signature': signature } };
        },
        onResponse: (status) => {
          statuses[status] = (statuses[status] ?? 0) + 1;
        },
      },
    ],
  });
  return {
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    statuses,
    errors: result.errors + result.timeouts,
  };
}
