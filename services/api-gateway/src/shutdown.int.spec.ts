import 'reflect-metadata';
import { randomBytes, randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { getJwksQuery, getMeQuery, type Profile } from '@ledgerline/contracts';
import { closeNats, connectNats, createLogger, type NatsConnection } from '@ledgerline/platform';
import { infrastructure, startTestNats, type TestNats, waitUntil } from '@ledgerline/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, type Gateway } from './app/createGateway.js';
import { loadGatewayConfig } from './config.js';
import { FakeIdentity, signAccessToken, testKey } from './testing/fakeIdentity.test-helpers.js';

// A request that reaches the gateway while it drains (on a connection busy with one in flight) is
// answered through the one problem+json path: 503 with Retry-After and X-Request-Id, not Fastify's
// own plain-JSON 503.

const run = randomBytes(4).toString('hex');
const userId = randomUUID();

describe('api-gateway while shutting down', () => {
  let testNats: TestNats;
  let nc: NatsConnection;
  let redis: Redis;
  let gateway: Gateway;
  let release: () => void = () => undefined;
  let token: string;
  // Requests identity has received (the first one is then held until released).
  let getMeCalls = 0;
  // The gateway's log lines (the responder logs each 503 with its request id).
  const logLines: string[] = [];

  beforeAll(async () => {
    testNats = await startTestNats();
    const { redisUrl } = await infrastructure();
    nc = await connectNats({ servers: testNats.url, name: `gateway-shutdown-${run}` });
    redis = new Redis(redisUrl);
    const key = await testKey(`kid-${run}`);
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    new FakeIdentity(nc)
      .on(getJwksQuery, () => ({ keys: [key.jwk] }))
      .on(getMeQuery, async (): Promise<Profile> => {
        await held;
        return {
          id: userId,
          email: `shutdown-${run}@example.test`,
          displayName: 'Ada',
          avatarFileId: null,
          locale: 'en',
          emailVerified: true,
          role: 'user',
          tier: 'free',
          mfaEnabled: false,
          status: 'active',
          createdAt: '2026-01-01T00:00:00.000Z',
        };
      })
      .start();
    const config = loadGatewayConfig({
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      NATS_URL: testNats.url,
      REDIS_URL: redisUrl,
      PORT: '0',
      HOST: '127.0.0.1',
      REDIS_KEY_PREFIX: `gwdown:${run}:`,
      NATS_REQUEST_TIMEOUT_MS: '20000',
    });
    nc.subscribe(getMeQuery.subject, {
      callback: () => {
        getMeCalls++;
      },
    });
    const logger = createLogger({
      service: 'api-gateway',
      level: 'warn',
      destination: { write: (line: string) => logLines.push(line) },
    });
    gateway = await createGateway({ config, nats: nc, redis, logger });
    token = await signAccessToken(key, { sub: userId, sid: randomUUID() });
  });

  afterAll(async () => {
    release();
    await gateway?.close();
    const keys = await redis.keys(`gwdown:${run}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis?.disconnect();
    if (nc) await closeNats(nc);
    await testNats?.stop();
  });

  it('answers a request arriving during the drain with 503 problem+json and Retry-After', async () => {
    const { port } = new URL(await gateway.listen());
    const socket = connect(Number(port), '127.0.0.1');
    let received = '';
    socket.on('data', (chunk) => {
      received += chunk.toString('utf8');
    });
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    // The first request is held by identity, so the connection stays busy while the gateway closes.
    socket.write(`GET /me HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\n\r\n`);
    await waitUntil(() => getMeCalls > 0, 10_000);
    const closing = gateway.close();
    // The second arrives on that connection after the drain began; its answer queues behind the first.
    socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\nX-Request-Id: drain-second-0001\r\n\r\n');
    await waitUntil(() => logLines.some((line) => line.includes('drain-second-0001')), 10_000);
    release();
    await closed;
    await closing;

    const responses = received.split(/(?=HTTP\/1\.1 )/);
    expect(responses[0]).toMatch(/^HTTP\/1\.1 200 /);
    const second = responses[1] ?? '';
    expect(second).toMatch(/^HTTP\/1\.1 503 /);
    expect(second).toMatch(/content-type: application\/problem\+json/i);
    expect(second).toMatch(/retry-after: \d+/i);
    expect(second).toMatch(/x-request-id: drain-second-0001/i);
    const body = JSON.parse(second.slice(second.indexOf('\r\n\r\n') + 4)) as Record<string, unknown>;
    expect(body).toMatchObject({ status: 503, requestId: 'drain-second-0001' });
  });
});
