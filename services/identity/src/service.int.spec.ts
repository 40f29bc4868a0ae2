import { randomBytes } from 'node:crypto';
import {
  getMeQuery,
  healthQuery,
  parseEventEnvelope,
  registerUserCommand,
  userRegisteredEvent,
} from '@ledgerline/contracts';
import { closeNats, connectNats, createLogger, type NatsConnection, natsRequest } from '@ledgerline/platform';
import { dropServiceSchemas, infrastructure, testPool } from '@ledgerline/testing';
import { AckPolicy, type Consumer, DeliverPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type IdentityService, startIdentity } from './identityService.js';

// The one test file that boots identity on real NATS (subjects are fixed, so two such files would
// answer each other's requests). Everything else tests the use cases directly.
const SCHEMA_SERVICE = `identity-t${randomBytes(4).toString('hex')}`;
let service: IdentityService;
let client: NatsConnection;
let consumer: Consumer;
let consumerName: string;

beforeAll(async () => {
  const infra = await infrastructure();
  service = await startIdentity({
    env: {
      NODE_ENV: 'test',
      DATABASE_URL: infra.databaseUrl,
      NATS_URL: infra.natsUrl,
      REDIS_URL: infra.redisUrl,
      IDENTITY_SCHEMA_SERVICE: SCHEMA_SERVICE,
      ARGON2_MEMORY_KIB: '8192',
      ARGON2_TIME_COST: '1',
    },
    logger: createLogger({ service: 'identity', level: 'silent' }),
    handleSignals: false,
  });
  client = await connectNats({ servers: infra.natsUrl, name: `${SCHEMA_SERVICE}-client` });
  // Only events published from now on: the shared EVENTS stream holds other runs' events too.
  const jsm = await jetstreamManager(client);
  const info = await jsm.consumers.add('EVENTS', {
    filter_subject: userRegisteredEvent.subject,
    ack_policy: AckPolicy.None,
    deliver_policy: DeliverPolicy.New,
    inactive_threshold: nanos(60_000),
  });
  consumerName = info.name;
  consumer = await jetstream(client).consumers.get('EVENTS', consumerName);
}, 60_000);

afterAll(async () => {
  await jetstreamManager(client)
    .then((jsm) => jsm.consumers.delete('EVENTS', consumerName))
    .catch(() => undefined);
  await service?.close();
  if (client) await closeNats(client);
  const pool = await testPool(1);
  await dropServiceSchemas(pool, SCHEMA_SERVICE);
  await pool.end();
});

const meta = {
  requestId: 'svc-req-1',
  correlationId: 'svc-corr-1',
  causationId: 'svc-req-1',
  actor: { type: 'anonymous' as const },
};

describe('identity over NATS', () => {
  it('registers a user, serves GetMe, and relays UserRegistered to JetStream', async () => {
    const email = `svc-${randomBytes(4).toString('hex')}@example.com`;
    const { userId } = await natsRequest(
      client,
      registerUserCommand,
      { email, password: 'a service passphrase', displayName: 'Svc' },
      { meta, timeoutMs: 10_000 },
    );
    const me = await natsRequest(client, getMeQuery, { userId }, { meta });
    expect(me).toMatchObject({ id: userId, email, emailVerified: false, role: 'user' });

    const deadline = Date.now() + 20_000;
    let relayed: ReturnType<typeof parseEventEnvelope<typeof userRegisteredEvent>> | undefined;
    while (!relayed && Date.now() < deadline) {
      const batch = await consumer.fetch({ max_messages: 50, expires: 1_000 });
      for await (const msg of batch) {
        const envelope = parseEventEnvelope(userRegisteredEvent, msg.json());
        if (envelope.data.userId === userId) relayed = envelope;
      }
    }
    expect(relayed?.data).toEqual({ userId, email, displayName: 'Svc', registeredAt: expect.any(String) });
    expect(relayed?.meta).toMatchObject({ correlationId: 'svc-corr-1' });
  });

  it('answers its Health query', async () => {
    const health = await natsRequest(client, healthQuery('identity'), {}, { meta });
    expect(health).toMatchObject({ service: 'identity', status: 'ok', checks: { postgres: { ok: true } } });
  });
});
