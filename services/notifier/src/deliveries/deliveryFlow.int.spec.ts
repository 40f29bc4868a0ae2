import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { type EventEnvelope, HEADER, metaToHeaderRecord } from '@ledgerline/contracts';
import {
  migrateService,
  PostgresEventStore,
  quoteIdent,
  type RunningConsumer,
  schemasOf,
} from '@ledgerline/eventsourcing';
import { closeNats, connectNats, createLogger, type NatsConnection, uuidv7 } from '@ledgerline/platform';
import {
  dropServiceSchemas,
  infrastructure,
  type SmtpCapture,
  startSmtpCapture,
  testPool,
  uniqueServiceName,
} from '@ledgerline/testing';
import {
  AckPolicy,
  DeliverPolicy,
  type JetStreamClient,
  jetstream,
  jetstreamManager,
} from '@nats-io/jetstream';
import { headers } from '@nats-io/transport-node';
import type pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadNotifierConfig, type NotifierConfig } from '../config.js';
import { createMailer, type Mailer, type OutgoingMail } from '../mail/mailer.js';
import { identityEvents, publishIdentityEvent } from '../testing/identityEvents.test-helpers.js';
import { deliveryStreamId } from './delivery.js';
import { DELIVERY_ACK_WAIT_MS, NOTIFIER_EVENTS_FILTER, startDeliveryConsumer } from './deliveryConsumer.js';
import { sentRecorder } from './sentRecorder.js';

// How the consumer treats the database and SMTP: concurrency, no transaction across the SMTP
// conversation, and recovery after a crash. A schema, durables and addresses of its own.
const service = uniqueServiceName('notif_flow');
const run = randomBytes(4).toString('hex');
const address = (name: string) => `${name}-${run}@example.com`;
const logger = pino({ level: 'silent' });

let capture: SmtpCapture;
let pool: pg.Pool;
let nc: NatsConnection;
let js: JetStreamClient;
let store: PostgresEventStore;
let mailer: Mailer;
let config: NotifierConfig;
let events: ReturnType<typeof identityEvents>;
const durables: string[] = [];
const running: RunningConsumer[] = [];

const until = async (condition: () => boolean, timeoutMs: number) => {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
};

/** A mailer that delegates to the real one and lets a test look inside each send. */
const spyMailer = (
  around: (mail: OutgoingMail, send: () => Promise<{ messageId: string }>) => Promise<{ messageId: string }>,
): Mailer => ({
  send: (mail) => around(mail, () => mailer.send(mail)),
  verify: () => mailer.verify(),
  close: () => undefined,
});

const start = async (
  name: string,
  options: {
    mailer?: Mailer;
    concurrency?: number;
    beforeSend?: (event: EventEnvelope) => Promise<void>;
    messagesInFlight?: number;
    pool?: pg.Pool;
    store?: PostgresEventStore;
  } = {},
) => {
  const durable = `${service}_${name}`;
  durables.push(durable);
  const consumer = await startDeliveryConsumer({
    nc,
    pool: options.pool ?? pool,
    store: options.store ?? store,
    mailer: options.mailer ?? mailer,
    logger,
    config: { ...config, CONSUMER_DURABLE: durable, DELIVERY_CONCURRENCY: options.concurrency ?? 4 },
    ...(options.beforeSend && { beforeSend: options.beforeSend }),
    ...(options.messagesInFlight && { messagesInFlight: options.messagesInFlight }),
  });
  running.push(consumer);
  return consumer;
};

beforeAll(async () => {
  capture = await startSmtpCapture();
  const infra = await infrastructure();
  config = loadNotifierConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATABASE_URL: infra.databaseUrl,
    NATS_URL: infra.natsUrl,
    SMTP_URL: capture.url,
    SERVICE_SCHEMA: service,
    CONSUMER_DELIVER_POLICY: 'new',
    DELIVERY_BACKOFF_BASE_MS: '50',
    DELIVERY_BACKOFF_MAX_MS: '200',
    SMTP_TIMEOUT_MS: '1000',
  });
  events = identityEvents(config.MESSAGE_SEAL_KEY);
  pool = await testPool(10);
  await migrateService(pool, service);
  store = new PostgresEventStore({ pool, service });
  mailer = createMailer({
    smtpUrl: config.SMTP_URL,
    from: config.MAIL_FROM,
    timeoutMs: 5_000,
    maxConnections: 4,
  });
  nc = await connectNats({ servers: infra.natsUrl, name: `${service}-test` });
  js = jetstream(nc);
});

afterAll(async () => {
  await Promise.all(running.map((consumer) => consumer.stop()));
  const jsm = await jetstreamManager(nc);
  for (const durable of durables) await jsm.consumers.delete('EVENTS', durable).catch(() => undefined);
  await closeNats(nc);
  mailer.close();
  await store.close();
  await dropServiceSchemas(pool, service);
  await pool.end();
  await capture.close();
});

describe('delivery flow', () => {
  it('sends up to DELIVERY_CONCURRENCY e-mails at once, never more', async () => {
    let active = 0;
    let maxActive = 0;
    const spy = spyMailer(async (_mail, send) => {
      active++;
      maxActive = Math.max(maxActive, active);
      try {
        // Waits (bounded) for the others to start: a one-at-a-time consumer never gets there.
        await until(() => maxActive >= 4, 15_000);
        return await send();
      } finally {
        active--;
      }
    });
    const consumer = await start('conc', { mailer: spy, concurrency: 4 });
    const to = Array.from({ length: 10 }, (_, i) => address(`conc${i}`));
    for (const recipient of to) {
      const event = events.passwordChanged(recipient);
      await publishIdentityEvent(js, event.type, event);
    }
    await expect
      .poll(() => to.filter((r) => capture.to(r).length === 1).length, { timeout: 30_000 })
      .toBe(10);
    await consumer.stop();
    expect(maxActive).toBe(4);
    expect(to.every((r) => capture.to(r).length === 1)).toBe(true);
  });

  it('holds no database connection (so no transaction) while SMTP talks', async () => {
    // The consumer's own pool, so the test's reads do not count.
    const own = await testPool(4);
    const ownStore = new PostgresEventStore({ pool: own, service });
    const checkedOut: number[] = [];
    const to = address('notx');
    const spy = spyMailer(async (mail, send) => {
      if (mail.to !== to) return send(); // another test file's event on the shared stream
      checkedOut.push(own.totalCount - own.idleCount);
      const sent = await send();
      checkedOut.push(own.totalCount - own.idleCount);
      return sent;
    });
    // One message at a time, so no other message's claim or record overlaps this send.
    const consumer = await start('notx', {
      mailer: spy,
      concurrency: 1,
      messagesInFlight: 1,
      pool: own,
      store: ownStore,
    });
    try {
      const event = events.mfaEnabled(to);
      await publishIdentityEvent(js, event.type, event);
      const streamId = deliveryStreamId(event.id, 'mfaEnabled');
      await expect
        .poll(async () => (await store.readStream(streamId)).map((e) => e.type), { timeout: 15_000 })
        .toEqual(['DeliveryRequested', 'DeliveryClaimed', 'DeliverySent']);
      expect(capture.to(to)).toHaveLength(1);
      expect(checkedOut).toEqual([0, 0]);
    } finally {
      await consumer.stop();
      await ownStore.close();
      await own.end();
    }
  });

  it('sends once with its stable Message-ID when the worker that claimed it died before sending', async () => {
    let crashes = 0;
    const to = address('crash');
    const event = events.mfaDisabled(to);
    // The first claimant "dies" between its claim and SMTP: nothing is recorded, the claim stays.
    const consumer = await start('crash', {
      concurrency: 1,
      beforeSend: async (claimed) => {
        if (claimed.id === event.id && crashes++ === 0) throw new Error('process died');
      },
    });
    await publishIdentityEvent(js, event.type, event);
    // Redelivered at once; it waits for the claim (2 × 1 s SMTP timeout + 5 s) to run out, then sends.
    await expect.poll(() => capture.to(to).length, { timeout: 30_000 }).toBe(1);
    await consumer.stop();
    const streamId = deliveryStreamId(event.id, 'mfaDisabled');
    expect(capture.to(to)[0]?.messageId).toBe(`<${streamId}@ledgerline.local>`);
    expect((await store.readStream(streamId)).map((e) => e.type)).toEqual([
      'DeliveryRequested',
      'DeliveryClaimed',
      'DeliveryClaimed',
      'DeliverySent',
    ]);
  });

  it('records sends that finish together in one transaction; a conflicting one fails alone', async () => {
    // One transaction at a time, so the second and third records share a batch.
    const record = sentRecorder({ pool, store, service, consumer: `${service}_rec`, parallel: 1 });
    const sent = [
      { type: 'DeliverySent', data: { attempt: 1, smtpMessageId: '<x>', sentAt: new Date().toISOString() } },
    ];
    const streams = [1, 2, 3].map((n) => `delivery-rec${n}-${run}`);
    for (const streamId of streams) {
      await store.append(streamId, [{ type: 'DeliveryClaimed', data: {} }], { expectedVersion: 'no_stream' });
    }
    const outcomes = await Promise.allSettled(
      streams.map((streamId, i) =>
        // The second one's claim "expired": its stream moved on, so its version is stale.
        record({ streamId, events: sent, expectedVersion: i === 1 ? 5 : 1, messageId: `rec-${i}-${run}` }),
      ),
    );
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((outcomes[1] as PromiseRejectedResult).reason).toMatchObject({ code: 'CONFLICT' });
    const { rows } = await pool.query(
      `SELECT message_id FROM ${quoteIdent(schemasOf(service).eventStore)}."inbox" WHERE consumer = $1 ORDER BY 1`,
      [`${service}_rec`],
    );
    expect(rows.map((r) => r.message_id)).toEqual([`rec-0-${run}`, `rec-2-${run}`]);
    expect((await store.readStream(streams[0]!)).map((e) => e.type)).toEqual([
      'DeliveryClaimed',
      'DeliverySent',
    ]);
    expect((await store.readStream(streams[1]!)).map((e) => e.type)).toEqual(['DeliveryClaimed']);
  });

  it("logs `e-mail sent` with the relayed event's requestId, correlationId and traceId", async () => {
    const lines: Array<Record<string, unknown>> = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line));
        done();
      },
    });
    const traceId = randomBytes(16).toString('hex');
    const meta = {
      requestId: uuidv7(),
      correlationId: uuidv7(),
      causationId: uuidv7(),
      actor: { type: 'system' as const },
      traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01`,
    };
    const to = address('logged');
    const event = events.mfaEnabled(to);
    const h = headers();
    for (const [name, value] of Object.entries(metaToHeaderRecord(meta))) h.set(name, value);
    h.set(HEADER.natsMsgId, event.id);
    const consumer = await startDeliveryConsumer({
      nc,
      pool,
      store,
      mailer,
      logger: createLogger({ service: 'notifier', level: 'info', destination }),
      config: { ...config, CONSUMER_DURABLE: `${service}_logged` },
    });
    durables.push(`${service}_logged`);
    try {
      await js.publish(`evt.identity.${event.type}`, JSON.stringify(event), { msgID: event.id, headers: h });
      await expect
        .poll(() => lines.find((l) => l.msg === 'e-mail sent' && l.messageId === event.id), {
          timeout: 15_000,
        })
        .toBeDefined();
      expect(lines.find((l) => l.msg === 'e-mail sent' && l.messageId === event.id)).toMatchObject({
        requestId: meta.requestId,
        correlationId: meta.correlationId,
        traceId,
        messageId: event.id,
        template: 'mfaEnabled',
      });
    } finally {
      await consumer.stop();
    }
  });

  it('gets a message a crashed instance had fetched within seconds, not after a 30 s ack wait', async () => {
    const durable = `${service}_fetched`;
    // Create the durable as the consumer would, then take a message and "crash" holding it.
    const probe = await start('fetched', { concurrency: 1 });
    await probe.stop();
    const info = await (await jetstreamManager(nc)).consumers.info('EVENTS', durable);
    expect(info.config.ack_wait).toBe(DELIVERY_ACK_WAIT_MS * 1_000_000);
    expect(info.config.ack_policy).toBe(AckPolicy.Explicit);
    expect(info.config.filter_subject).toBe(NOTIFIER_EVENTS_FILTER);
    expect(info.config.deliver_policy).toBe(DeliverPolicy.New);
    const to = address('fetched');
    const event = events.passwordChanged(to);
    await publishIdentityEvent(js, event.type, event);
    const held = await (await js.consumers.get('EVENTS', durable)).next({ expires: 10_000 });
    expect(held?.subject).toBe(`evt.identity.${event.type}`);
    const heldAt = Date.now();
    await start('fetched', { concurrency: 1 });
    await expect.poll(() => capture.to(to).length, { timeout: 20_000, interval: 100 }).toBe(1);
    // Redelivered after the short ack wait (6 s); the old 30 s would not get here in time.
    expect(Date.now() - heldAt).toBeLessThan(20_000);
  });
});
