import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { dropServiceSchemas, infrastructure, startTestNats, testPool } from '@ledgerline/testing';
import { median } from '../kernel/stats.js';
import { writeResultsSection } from '../results.js';
import { benchIngress } from './ingress.js';
import { benchTierLatency } from './tierLatency.js';

// npm run billing -w @ledgerline/bench — (1) the webhook ingress: signed deliveries verified and
// published per second vs raw acked JetStream publishes of the same payloads, same run (goal ≥ 0.5);
// (2) webhook received → tier visible in identity, p50/p99 over BENCH_SUBSCRIPTIONS subscriptions.
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 6);
const SUBSCRIPTIONS = Number(process.env.BENCH_SUBSCRIPTIONS ?? 1000);
const RATE = Number(process.env.BENCH_RATE ?? 10); // subscriptions delivered per second
const ONLY = process.env.BENCH_ONLY; // 'ingress' | 'tier' to run one part while tuning
const RESULTS = fileURLToPath(new URL('../RESULTS.md', import.meta.url));

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });

const { databaseUrl, redisUrl } = await infrastructure();
const id = randomBytes(3).toString('hex');
const schemas = { identity: `identity-bbench${id}`, billing: `billing-bbench${id}` };
const natsIngress = await startTestNats({ jetstream: true });
const natsTier = await startTestNats({ jetstream: true });
try {
  const ingress = ONLY === 'tier' ? [] : await benchIngress(natsIngress, await freePort(), SECONDS, RUNS);
  const tier =
    ONLY === 'ingress'
      ? undefined
      : await benchTierLatency(
          natsTier,
          { databaseUrl, redisUrl },
          {
            users: SUBSCRIPTIONS,
            rate: RATE,
            ingressPort: await freePort(),
            schemas,
          },
        );
  const rate = median(ingress.map((r) => r.ingress.requestsPerSecond));
  const raw = median(ingress.map((r) => r.rawPerSecond));
  const ratio = rate / raw;
  const p99 = median(ingress.map((r) => r.ingress.p99));
  const ingressCpu = median(ingress.map((r) => r.ingress.cpuMicrosPerDelivery));
  const rawCpu = median(ingress.map((r) => r.rawCpuMicrosPerPublish));
  const failures = ingress.reduce(
    (sum, r) =>
      sum +
      r.ingress.errors +
      Object.entries(r.ingress.statuses).reduce(
        (n, [status, count]) => n + (status === '200' ? 0 : count),
        0,
      ),
    0,
  );
  const ms = (n: number) => `${Math.round(n)} ms`;
  const markdown = [
    '## Billing',
    '',
    `- date: ${new Date().toISOString()}; Node ${process.version}; cores: ${cpus().length}; load average at the end ${loadavg()[0]?.toFixed(1)} (other processes share the cores); runs: ${RUNS} × ${SECONDS} s, 50 connections`,
    "- ingress: the gateway image with WEBHOOKS_ONLY=true as its own process (a plain `node:http` server); each delivery is a fresh signed `invoice.paid` (built and signed before each measured window, as Stripe signs on its own machines), verified byte for byte (Stripe's scheme, checked against `stripe.webhooks.constructEvent` in stripeSignature.unit.spec.ts) and published to JetStream EXTERNAL (`Nats-Msg-Id` = event id) before its 2xx. Raw = acked `js.publish` of the same kind of payloads (also built beforehand) from 50 concurrent publishers in this process. CPU per message (from /proc and process.cpuUsage) does not depend on the other processes sharing the cores.",
    '',
    '| measurement | median | raw baseline | ratio | goal | met | failures | CPU per message (ingress / raw publisher) |',
    '|---|---|---|---|---|---|---|---|',
    `| webhooks verified + published | ${Math.round(rate)} /s (p99 ${p99} ms) | ${Math.round(raw)} publishes/s | ${ratio.toFixed(2)} | ≥ 0.5 | ${ratio >= 0.5 ? 'yes' : 'NO'} | ${failures} | ${Math.round(ingressCpu)} µs / ${Math.round(rawCpu)} µs |`,
    '',
    `- webhook received → tier visible in identity (identity's UserTierChanged published): ${tier?.subscriptions ?? 0} subscriptions delivered at ${RATE}/s through the ingress (each one's Stripe events in order: subscription created, invoice paid, checkout completed); identity, billing and the ingress as their own processes, Stripe the local fake.`,
    '',
    '| subscriptions | p50 | p99 | max | not seen |',
    '|---|---|---|---|---|',
    tier
      ? `| ${tier.subscriptions} | ${ms(tier.p50)} | ${ms(tier.p99)} | ${ms(tier.max)} | ${tier.missing} |`
      : '| not run | | | | |',
  ].join('\n');
  console.log(markdown);
  // A partial run (BENCH_ONLY) only prints: RESULTS.md keeps whole runs.
  if (!ONLY) await writeResultsSection(RESULTS, 'billing', markdown);
} finally {
  await natsIngress.stop();
  await natsTier.stop();
  const pool = await testPool(2);
  await dropServiceSchemas(pool, schemas.identity);
  await dropServiceSchemas(pool, schemas.billing);
  await pool.end();
}
