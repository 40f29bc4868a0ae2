import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { healthQuery } from '@ledgerline/contracts';
import {
  closeNats,
  connectNats,
  type NatsConnection,
  natsRequest,
  type RunningService,
  startService,
} from '@ledgerline/platform';
import {
  dropServiceSchemas,
  infrastructure,
  type SmtpCapture,
  startSmtpCapture,
  testPool,
  uniqueServiceName,
} from '@ledgerline/testing';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadNotifierConfig, type NotifierConfig } from './config.js';
import notifier from './service.js';
import { identityEvents, publishIdentityEvent } from './testing/identityEvents.test-helpers.js';

// The one notifier test file that boots the real wiring on NATS subjects (`notifier.qry.Health`):
// two processes serving the same subject in one queue group would answer each other's requests.
const service = uniqueServiceName('notif_svc');
let capture: SmtpCapture;
let client: NatsConnection;
let handle: RunningService;
let config: NotifierConfig;

beforeAll(async () => {
  capture = await startSmtpCapture();
  const infra = await infrastructure();
  const env = {
    NODE_ENV: 'test',
    DATABASE_URL: infra.databaseUrl,
    NATS_URL: infra.natsUrl,
    SMTP_URL: capture.url,
    MAIL_FROM: 'Ledgerline <hello@mail.example.com>',
    PUBLIC_URL: 'https://app.example.com/portal',
    SERVICE_SCHEMA: service,
    CONSUMER_DURABLE: service,
    CONSUMER_DELIVER_POLICY: 'new',
  };
  config = loadNotifierConfig(env);
  handle = await startService(notifier, { env, logger: pino({ level: 'silent' }), handleSignals: false });
  client = await connectNats({ servers: infra.natsUrl, name: `${service}-client` });
});

afterAll(async () => {
  await handle?.close();
  const jsm = await jetstreamManager(client);
  await jsm.consumers.delete('EVENTS', service).catch(() => undefined);
  await closeNats(client);
  const pool = await testPool(2);
  await dropServiceSchemas(pool, service);
  await pool.end();
  await capture.close();
});

describe('notifier service', () => {
  it('answers notifier.qry.Health with NATS, Postgres and SMTP reachable', async () => {
    const health = await natsRequest(client, healthQuery(notifier.name), {}, { timeoutMs: 5_000 });
    expect(health).toMatchObject({
      service: notifier.name,
      status: 'ok',
      checks: { nats: { ok: true }, postgres: { ok: true }, smtp: { ok: true } },
    });
  });

  it('e-mails a password-reset link built under PUBLIC_URL from a relayed identity event', async () => {
    const to = `svc-${randomBytes(4).toString('hex')}@example.com`;
    const token = `rt_${randomBytes(12).toString('base64url')}`;
    const event = identityEvents(config.MESSAGE_SEAL_KEY).passwordReset(to, token);
    await publishIdentityEvent(jetstream(client), event.type, event);
    await expect.poll(() => capture.to(to).length, { timeout: 15_000 }).toBe(1);
    const [mail] = capture.to(to);
    expect(mail?.from).toBe('hello@mail.example.com');
    expect(mail?.text).toContain(`https://app.example.com/portal/reset-password?token=${token}`);
    expect(mail?.messageId).toMatch(/@mail\.example\.com>$/);
  });
});
