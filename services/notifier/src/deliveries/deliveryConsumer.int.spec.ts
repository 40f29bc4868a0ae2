import { randomBytes } from 'node:crypto';
import {
  listDeadLetters,
  migrateService,
  PostgresEventStore,
  type RunningConsumer,
} from '@ledgerline/eventsourcing';
import { closeNats, connectNats, type NatsConnection, uuidv7 } from '@ledgerline/platform';
import {
  dropServiceSchemas,
  infrastructure,
  type SmtpCapture,
  startSmtpCapture,
  testPool,
  uniqueServiceName,
} from '@ledgerline/testing';
import { type JetStreamClient, type JetStreamManager, jetstream, jetstreamManager } from '@nats-io/jetstream';
import type pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadNotifierConfig, type NotifierConfig } from '../config.js';
import { createMailer, type Mailer } from '../mail/mailer.js';
import { identityEvents, publishIdentityEvent } from '../testing/identityEvents.test-helpers.js';
import { deliveryStreamId } from './delivery.js';
import { startDeliveryConsumer } from './deliveryConsumer.js';

// The application layer against real Postgres, NATS/JetStream and SMTP; the Nest wiring on NATS
// subjects is service.int.spec.ts's alone. Unique schema, durables and addresses per run.
const service = uniqueServiceName('notif');
const run = randomBytes(4).toString('hex');
const address = (name: string) => `${name}-${run}@example.com`;
const logger = pino({ level: 'silent' });

let capture: SmtpCapture;
let pool: pg.Pool;
let nc: NatsConnection;
let js: JetStreamClient;
let jsm: JetStreamManager;
let store: PostgresEventStore;
let mailer: Mailer;
let config: NotifierConfig;
let events: ReturnType<typeof identityEvents>;
const running: RunningConsumer[] = [];
const durables: string[] = [];

const start = async (durable: string) => {
  durables.push(durable);
  const consumerConfig = { ...config, CONSUMER_DURABLE: durable };
  const consumer = await startDeliveryConsumer({ nc, pool, store, mailer, logger, config: consumerConfig });
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
    PUBLIC_URL: 'https://app.example.com',
    SERVICE_SCHEMA: service,
    CONSUMER_DURABLE: service,
    CONSUMER_DELIVER_POLICY: 'new',
    DELIVERY_MAX_ATTEMPTS: '3',
    DELIVERY_BACKOFF_BASE_MS: '50',
    DELIVERY_BACKOFF_MAX_MS: '200',
  });
  events = identityEvents(config.MESSAGE_SEAL_KEY);
  pool = await testPool(10);
  await migrateService(pool, service);
  store = new PostgresEventStore({ pool, service });
  mailer = createMailer({ smtpUrl: config.SMTP_URL, from: config.MAIL_FROM, timeoutMs: 5_000 });
  nc = await connectNats({ servers: infra.natsUrl, name: `${service}-test` });
  js = jetstream(nc);
  jsm = await jetstreamManager(nc);
  await start(service);
});

afterAll(async () => {
  await Promise.all(running.map((consumer) => consumer.stop()));
  for (const durable of durables) await jsm.consumers.delete('EVENTS', durable).catch(() => undefined);
  await closeNats(nc);
  mailer.close();
  await store.close();
  await dropServiceSchemas(pool, service);
  await pool.end();
  await capture.close();
});

const mailsTo = (email: string) => capture.to(email);
const streamTypes = async (streamId: string) => (await store.readStream(streamId)).map((e) => e.type);
const drained = async (durable: string) => {
  const info = await jsm.consumers.info('EVENTS', durable);
  return info.num_pending + info.num_ack_pending;
};
const deadLetter = async (messageId: string) =>
  (await listDeadLetters(pool, service, { sourceKind: 'consumer', sourceName: service })).find(
    (letter) => letter.messageId === messageId,
  );

describe('delivery consumer', () => {
  it('e-mails the verification link in both parts and records the delivery without the token', async () => {
    const to = address('verify');
    const token = `vt_${randomBytes(12).toString('base64url')}`;
    const event = events.verification(to, token);
    await publishIdentityEvent(js, event.type, event);
    await expect.poll(() => mailsTo(to).length, { timeout: 15_000 }).toBe(1);
    const [mail] = mailsTo(to);
    const link = `https://app.example.com/verify-email?token=${token}`;
    expect(mail?.subject).toBe('Confirm your e-mail address');
    expect(mail?.text).toContain(link);
    expect(mail?.html).toContain(`href="${link}"`);
    expect(mail?.messageId).toBe(`<${deliveryStreamId(event.id, 'verifyEmail')}@ledgerline.local>`);
    const streamId = deliveryStreamId(event.id, 'verifyEmail');
    await expect
      .poll(() => streamTypes(streamId))
      .toEqual(['DeliveryRequested', 'DeliveryClaimed', 'DeliverySent']);
    const stored = JSON.stringify(await store.readStream(streamId));
    expect(stored).toContain(to);
    expect(stored).not.toContain(token);
  });

  it('e-mails the sign-in code, the reset link and the security notices, not a single logout', async () => {
    const to = address('many');
    const reset = `rt_${randomBytes(12).toString('base64url')}`;
    const sequence = [
      events.signInCode(to, '493817'),
      events.passwordReset(to, reset),
      events.sessionRevoked(to, uuidv7()),
      events.passwordChanged(to),
      events.mfaEnabled(to),
      events.mfaDisabled(to),
      events.sessionRevoked(to, null),
    ];
    for (const event of sequence) await publishIdentityEvent(js, event.type, event);
    await expect.poll(() => mailsTo(to).length, { timeout: 20_000 }).toBe(6);
    const bySubject = Object.fromEntries(mailsTo(to).map((m) => [m.subject, m]));
    expect(Object.keys(bySubject).sort()).toEqual([
      'Reset your password',
      'Two-factor authentication is off',
      'Two-factor authentication is on',
      'You were signed out everywhere',
      'Your password was changed',
      'Your sign-in code',
    ]);
    expect(bySubject['Your sign-in code']?.text).toContain('493817');
    expect(bySubject['Your sign-in code']?.html).toContain('493817');
    const resetLink = `https://app.example.com/reset-password?token=${reset}`;
    expect(bySubject['Reset your password']?.text).toContain(resetLink);
    expect(bySubject['Reset your password']?.html).toContain(`href="${resetLink}"`);
    expect(bySubject['You were signed out everywhere']?.text).toContain('signed out of all devices');
  });

  it('sends once for a republished event, a redelivery and a second consumer of the same log', async () => {
    const second = `${service}_b`;
    const other = await start(second);
    const to = address('dup');
    const event = events.passwordChanged(to);
    expect((await publishIdentityEvent(js, event.type, event)).duplicate).toBe(false);
    // Same Nats-Msg-Id: JetStream drops it. Another id: delivered again, the inbox drops it.
    expect((await publishIdentityEvent(js, event.type, event)).duplicate).toBe(true);
    await publishIdentityEvent(js, event.type, event, uuidv7());
    await expect.poll(() => mailsTo(to).length, { timeout: 15_000 }).toBe(1);
    await expect
      .poll(async () => (await drained(service)) + (await drained(second)), { timeout: 15_000 })
      .toBe(0);
    await other.stop();
    expect(mailsTo(to)).toHaveLength(1);
    expect(await streamTypes(deliveryStreamId(event.id, 'passwordChanged'))).toEqual([
      'DeliveryRequested',
      'DeliveryClaimed',
      'DeliverySent',
    ]);
  });

  it('retries a rejecting server with backoff, then dead-letters, and carries on', async () => {
    const to = address('busy');
    capture.reject(to, 451);
    const event = events.mfaEnabled(to);
    await publishIdentityEvent(js, event.type, event);
    await expect.poll(() => deadLetter(event.id), { timeout: 20_000 }).toBeDefined();
    expect(capture.rejections(to)).toBe(3);
    expect(await deadLetter(event.id)).toMatchObject({ messageType: 'MfaEnabled', attempts: 3 });
    expect((await deadLetter(event.id))?.error).toMatch(/451|try later/);
    expect(await streamTypes(deliveryStreamId(event.id, 'mfaEnabled'))).toEqual([
      'DeliveryRequested',
      'DeliveryClaimed',
      'DeliveryFailed',
      'DeliveryRetryScheduled',
      'DeliveryClaimed',
      'DeliveryFailed',
      'DeliveryRetryScheduled',
      'DeliveryClaimed',
      'DeliveryFailed',
      'DeliveryDeadLettered',
    ]);
    const next = events.mfaEnabled(address('after-busy'));
    await publishIdentityEvent(js, next.type, next);
    await expect.poll(() => mailsTo(address('after-busy')).length, { timeout: 15_000 }).toBe(1);
  });

  it('dead-letters a permanent rejection at the first attempt', async () => {
    const to = address('gone');
    capture.reject(to, 550);
    const event = events.mfaDisabled(to);
    await publishIdentityEvent(js, event.type, event);
    await expect.poll(() => deadLetter(event.id), { timeout: 15_000 }).toBeDefined();
    expect(capture.rejections(to)).toBe(1);
    expect(await streamTypes(deliveryStreamId(event.id, 'mfaDisabled'))).toEqual([
      'DeliveryRequested',
      'DeliveryClaimed',
      'DeliveryFailed',
      'DeliveryDeadLettered',
    ]);
  });

  it('dead-letters a malformed event and a token it cannot open, with the reason, and carries on', async () => {
    const malformed = events.verification(address('malformed'), 'x');
    const { email: _email, ...withoutEmail } = malformed.data;
    await publishIdentityEvent(js, malformed.type, { ...malformed, data: withoutEmail });
    const foreign = identityEvents('b'.repeat(64)).signInCode(address('foreign'), '111111');
    await publishIdentityEvent(js, foreign.type, foreign);
    const good = events.signInCode(address('after-bad'), '222222');
    await publishIdentityEvent(js, good.type, good);
    await expect.poll(() => mailsTo(address('after-bad')).length, { timeout: 15_000 }).toBe(1);
    await expect.poll(() => deadLetter(malformed.id), { timeout: 15_000 }).toBeDefined();
    expect((await deadLetter(malformed.id))?.error).toMatch(/EmailVerificationRequested v1 data/);
    await expect.poll(() => deadLetter(foreign.id), { timeout: 15_000 }).toBeDefined();
    expect((await deadLetter(foreign.id))?.error).toMatch(/cannot be opened/);
    expect(mailsTo(address('foreign'))).toHaveLength(0);
  });
});
