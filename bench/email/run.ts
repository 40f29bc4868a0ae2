import { randomBytes } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { HEADER, metaToHeaderRecord } from '@ledgerline/contracts';
import {
  type CapturedMail,
  dropServiceSchemas,
  infrastructure,
  startSmtpCapture,
  startTestNats,
  testPool,
} from '@ledgerline/testing';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, headers, type NatsConnection } from '@nats-io/transport-node';
import { type Child, startTs } from '../gateway/processes.js';
import { median } from '../kernel/stats.js';
import { writeResultsSection } from '../results.js';

// npm run bench:email — 2,000 e-mails through the notifier (its own process: JetStream consumer →
// claim in Postgres → SMTP → record in Postgres) to a local SMTP capture, beside raw nodemailer
// sends of the same messages to the same capture over a pooled transport with the same
// concurrency. Both are timed the same way, at the capture: from the first e-mail it accepted to the
// last (steady-state throughput; start-up and the publishing of the events are not counted).
// Goal: notifier ≥ 0.5 of raw.
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const EMAILS = Number(process.env.BENCH_EMAILS ?? 2_000);
const CONCURRENCY = Number(process.env.BENCH_EMAIL_CONCURRENCY ?? 8);
const GOAL = 0.5;
const RESULTS = fileURLToPath(new URL('../RESULTS.md', import.meta.url));

const { databaseUrl } = await infrastructure();
const nats = await startTestNats({ jetstream: true });
const capture = await startSmtpCapture();
const id = randomBytes(3).toString('hex');
const schema = `notifier-bench${id}`;
const startedAt = Date.now();
const loadAtStart = loadavg()[0] ?? 0;
let notifier: Child | undefined;
let rawSender: Child | undefined;

/** Resolves when the capture holds `count` messages; the time of that moment. */
async function capturedAt(count: number, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (capture.messages.length < count) {
    if (Date.now() > deadline) throw new Error(`only ${capture.messages.length} of ${count} e-mails arrived`);
    await new Promise((r) => setTimeout(r, 2));
  }
  return performance.now();
}

/** True when someone answers on `subject` (a no-responders error means not yet). */
async function isListening(nc: NatsConnection, subject: string): Promise<boolean> {
  try {
    await nc.request(subject, JSON.stringify({ run: 0, count: 0, subject: '', text: '', html: '' }), {
      timeout: 2_000,
    });
    return true;
  } catch {
    return false;
  }
}

// A security notice: no sealed secret to open, the same template for every message.
const envelope = (email: string, n: number) => {
  const eventId = crypto.randomUUID();
  return {
    id: eventId,
    type: 'MfaEnabled',
    schemaVersion: 1,
    streamId: `account-${crypto.randomUUID()}`,
    streamPosition: 1,
    globalPosition: n + 1,
    occurredAt: new Date().toISOString(),
    data: {
      userId: crypto.randomUUID(),
      email,
      displayName: `Bench ${n}`,
      locale: 'en',
      enabledAt: new Date().toISOString(),
    },
    meta: {
      requestId: eventId,
      correlationId: eventId,
      causationId: eventId,
      actor: { type: 'system' as const },
    },
  };
};

try {
  const nc = await connect({ servers: nats.url });
  const js = jetstream(nc);
  const jsm = await jetstreamManager(nc);
  const durable = `notifier-bench${id}`;
  notifier = startTs('services/notifier/src/main.ts', {
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    DATABASE_URL: databaseUrl,
    NATS_URL: nats.url,
    SMTP_URL: capture.url,
    SERVICE_SCHEMA: schema,
    CONSUMER_DURABLE: durable,
    CONSUMER_DELIVER_POLICY: 'all',
    DELIVERY_CONCURRENCY: String(CONCURRENCY),
  });
  const rawSubject = `bench.email.raw.${id}`;
  rawSender = startTs('bench/email/rawSender.ts', {
    NATS_URL: nats.url,
    SMTP_URL: capture.url,
    RAW_SUBJECT: rawSubject,
    BENCH_CONCURRENCY: String(CONCURRENCY),
  });
  // Up when its durable consumer exists (created at start, before it pulls).
  for (const deadline = Date.now() + 60_000; ; ) {
    const rawUp = nc.info !== undefined && (await isListening(nc, rawSubject));
    if (rawUp && (await jsm.consumers.info('EVENTS', durable).catch(() => undefined))) break;
    if (Date.now() > deadline) throw new Error('the notifier did not start within 60 s');
    await new Promise((r) => setTimeout(r, 200));
  }

  const notifierRates: number[] = [];
  const rawRates: number[] = [];
  let sample: CapturedMail | undefined;
  // Through the notifier: publish as the relay does (acked, 256 in flight), time to the last e-mail.
  const throughNotifier = async (run: number) => {
    const base = capture.messages.length;
    const firstArrives = capturedAt(base + 1, 300_000);
    const window: Promise<unknown>[] = [];
    for (let n = 0; n < EMAILS; n++) {
      const event = envelope(`n${run}-${n}-${id}@bench.example`, n);
      // Headers as the relay sets them: the event's meta, and Nats-Msg-Id for dedup.
      const h = headers();
      for (const [name, value] of Object.entries(metaToHeaderRecord(event.meta))) h.set(name, value);
      h.set(HEADER.natsMsgId, event.id);
      if (window.length >= 256) await window.shift();
      window.push(
        js.publish(`evt.identity.${event.type}`, JSON.stringify(event), { msgID: event.id, headers: h }),
      );
    }
    const first = await firstArrives;
    await Promise.all(window);
    const t1 = await capturedAt(base + EMAILS, 300_000);
    notifierRates.push(((EMAILS - 1) * 1000) / (t1 - first));
    sample ??= capture.messages[base];
  };
  // Raw: the same message (the notifier's rendered e-mail), same capture, same concurrency, also
  // from a process of its own.
  const raw = async (run: number) => {
    const base = capture.messages.length;
    const firstArrives = capturedAt(base + 1, 300_000);
    const request = { run, count: EMAILS, subject: sample?.subject, text: sample?.text, html: sample?.html };
    await nc.request(rawSubject, JSON.stringify(request), { timeout: 300_000 });
    const first = await firstArrives;
    const last = await capturedAt(base + EMAILS, 300_000);
    rawRates.push(((EMAILS - 1) * 1000) / (last - first));
  };
  for (let run = 1; run <= RUNS; run++) {
    // Alternate which goes first, so a change in the machine's load does not favour one side.
    if (run % 2 === 1) {
      await throughNotifier(run);
      await raw(run);
    } else {
      await raw(run);
      await throughNotifier(run);
    }
    console.log(
      `run ${run}: notifier ${Math.round(notifierRates.at(-1)!)} e-mails/s, raw ${Math.round(rawRates.at(-1)!)} e-mails/s`,
    );
  }
  await nc.drain();

  const notifierMedian = median(notifierRates);
  const rawMedian = median(rawRates);
  const ratio = notifierMedian / rawMedian;
  const fmt = (list: number[]) =>
    `${Math.round(median(list)).toLocaleString('en-US')} e-mails/s (${Math.round(Math.min(...list)).toLocaleString('en-US')}–${Math.round(Math.max(...list)).toLocaleString('en-US')}, n=${list.length})`;
  const markdown = [
    '## E-mail',
    '',
    `- date: ${new Date().toISOString()}; Node ${process.version}; cores: ${cpus().length}; load average (1 min) at start / end: ${loadAtStart.toFixed(1)} / ${(loadavg()[0] ?? 0).toFixed(1)}`,
    `- ${RUNS} runs of ${EMAILS.toLocaleString('en-US')} e-mails each, concurrency ${CONCURRENCY} for both (notifier: DELIVERY_CONCURRENCY SMTP conversations, one pooled connection each, and 4× as many messages in flight; raw: nodemailer pooled transport with maxConnections ${CONCURRENCY} and ${CONCURRENCY} senders); both run as their own processes; SMTP capture: smtp-server in the bench process; the two alternate which goes first in each run`,
    '- notifier: its own process; per e-mail a JetStream message, a claim (one INSERT of DeliveryRequested + DeliveryClaimed at the version read; a first delivery skips the read), the SMTP send with no transaction open, a short record transaction (DeliverySent + inbox row; sends finishing together share one), the ack; timed at the capture from its first e-mail of the run to its last (the events are published by the bench at the same time, as the relay would)',
    '- raw: the same rendered message (subject, text, HTML) sent by nodemailer from its own process (bench/email/rawSender.ts); timed at the capture from its first e-mail of the run to its last',
    '',
    '| measurement | notifier, median (min–max) | raw nodemailer, median (min–max) | ratio | goal | met? |',
    '|---|---|---|---|---|---|',
    `| ${EMAILS.toLocaleString('en-US')} e-mails to a local SMTP capture | ${fmt(notifierRates)} | ${fmt(rawRates)} | ${ratio.toFixed(2)} | ≥ ${GOAL} | ${ratio >= GOAL ? 'yes' : 'NO'} |`,
    '',
    `Per run (notifier / raw, same run): ${notifierRates.map((n, i) => `${Math.round(n)} / ${Math.round(rawRates[i] ?? 0)} = ${(n / (rawRates[i] ?? 1)).toFixed(2)}`).join('; ')}. This machine's 2 cores are shared with other work (see the load average): raw itself varies several-fold between runs, so read the ratio with the spread.`,
    '',
    `Before this change the notifier sent one e-mail at a time inside its inbox transaction (~7 e-mails/s measured by the issue). Whole run took ${Math.round((Date.now() - startedAt) / 1000)} s.`,
    '',
    'How to run: `cd /work/main && source scripts/use-node.sh && npm run bench:email` (Postgres and NATS JetStream: DATABASE_URL overrides the default; a private nats-server is started; BENCH_RUNS, BENCH_EMAILS, BENCH_EMAIL_CONCURRENCY tune it).',
  ].join('\n');
  console.log(`\n${markdown}\n`);
  await writeResultsSection(RESULTS, 'email', markdown);
} finally {
  await notifier?.stop();
  await rawSender?.stop();
  await capture.close();
  await nats.stop();
  const pool = await testPool(2);
  await dropServiceSchemas(pool, schema);
  await pool.end();
}
