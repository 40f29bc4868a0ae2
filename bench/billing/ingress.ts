import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connectNats, ensureStreams } from '@ledgerline/platform';
import type { TestNats } from '@ledgerline/testing';
import { jetstream } from '@nats-io/jetstream';
import autocannon from 'autocannon';
import Stripe from 'stripe';
import { type Child, startTs, waitForOk } from '../gateway/processes.js';

export interface IngressLoad {
  requestsPerSecond: number;
  /** CPU (user + system) the ingress process spent per answered delivery, in µs: load-independent. */
  cpuMicrosPerDelivery: number;
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
  /** CPU this (publishing) process spent per raw acked publish, in µs. */
  rawCpuMicrosPerPublish: number;
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

/** A delivery as Stripe would send it: the body and its `Stripe-Signature` header. */
interface Delivery {
  readonly id: string;
  readonly body: string;
  readonly signature: string;
}

// Deliveries are built (fresh event id, HMAC) before a measured window, not during it: Stripe signs
// on its own machines, and the load generator shares the 2 cores with what it measures. Enough for
// `perSecond` × `seconds`; past that they are built on demand.
const PER_SECOND_PREPARED = 12_000;
function prepareDeliveries(seconds: number): () => Delivery {
  const build = (): Delivery => {
    const body = payload();
    const id = /"id": "([^"]+)"/.exec(body)?.[1] ?? '';
    return {
      id,
      body,
      signature: Stripe.webhooks.generateTestHeaderString({ payload: body, secret: SECRET }),
    };
  };
  const prepared = Array.from({ length: seconds * PER_SECOND_PREPARED }, build);
  let next = 0;
  return () => prepared[next++] ?? build();
}

/** CPU time (user + system) of a process so far, in µs, from /proc (Linux). */
function cpuMicrosOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  // utime and stime are fields 14 and 15 of stat (11 and 12 after the command), in clock ticks (100/s).
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

/** Raw baseline: as many acked JetStream publishes as `CONNECTIONS` concurrent publishers do in `seconds`. */
async function rawPublishes(
  natsUrl: string,
  seconds: number,
): Promise<{ perSecond: number; cpuMicrosPerPublish: number }> {
  const nc = await connectNats({ servers: natsUrl, name: 'bench-raw' });
  const js = jetstream(nc);
  const next = prepareDeliveries(seconds);
  let count = 0;
  const cpuBefore = process.cpuUsage();
  const until = Date.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (Date.now() < until) {
        const delivery = next();
        await js.publish('ext.stripe.invoice.paid', delivery.body, { msgID: delivery.id });
        count++;
      }
    }),
  );
  const cpu = process.cpuUsage(cpuBefore);
  await nc.close();
  return { perSecond: count / seconds, cpuMicrosPerPublish: (cpu.user + cpu.system) / Math.max(count, 1) };
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
      const raw = await rawPublishes(nats.url, seconds);
      const ingress = await signedLoad(
        `http://127.0.0.1:${port}/webhooks/stripe`,
        seconds,
        children[0]?.process.pid,
      );
      out.push({ ingress, rawPerSecond: raw.perSecond, rawCpuMicrosPerPublish: raw.cpuMicrosPerPublish });
      console.log(
        `ingress run ${run}/${runs}: ${Math.round(ingress.requestsPerSecond)} webhooks/s (p99 ${ingress.p99} ms, statuses ${JSON.stringify(ingress.statuses)}, ingress CPU ${Math.round(ingress.cpuMicrosPerDelivery)} µs/delivery) vs raw ${Math.round(raw.perSecond)} publishes/s (${Math.round(raw.cpuMicrosPerPublish)} µs CPU/publish in the publisher)`,
      );
    }
  } finally {
    for (const child of children) await child.stop();
  }
  return out;
}

/** autocannon with a fresh event and its signature per request, counting responses by status. */
async function signedLoad(
  url: string,
  seconds: number,
  ingressPid: number | undefined,
): Promise<IngressLoad> {
  const statuses: Record<number, number> = {};
  const next = prepareDeliveries(seconds);
  const cpuBefore = ingressPid ? cpuMicrosOf(ingressPid) : 0;
  const result = await autocannon({
    url,
    method: 'POST',
    connections: CONNECTIONS,
    duration: seconds,
    headers: { 'content-type': 'application/json' },
    requests: [
      {
        setupRequest: (req) => {
          const delivery = next();
          return {
            ...req,
            body: delivery.body,
            headers: { ...req.headers, 'stripe-signature': delivery.signature },
          };
        },
        onResponse: (status) => {
          statuses[status] = (statuses[status] ?? 0) + 1;
        },
      },
    ],
  });
  const cpu = ingressPid ? cpuMicrosOf(ingressPid) - cpuBefore : 0;
  return {
    requestsPerSecond: result.requests.average,
    cpuMicrosPerDelivery: cpu / Math.max(result.requests.total, 1),
    p50: result.latency.p50,
    p99: result.latency.p99,
    statuses,
    errors: result.errors + result.timeouts,
  };
}
