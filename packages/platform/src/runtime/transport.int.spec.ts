import { randomBytes } from 'node:crypto';
import { defineCommand, HEADER, healthQuery, UnavailableError } from '@ledgerline/contracts';
import { dropServiceSchemas, testPool, uniqueServiceName } from '@ledgerline/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createLogger } from '../logging/createLogger.js';
import { closeNats, connectNats, type NatsConnection } from '../nats/connection.js';
import { metaToNatsHeaders } from '../nats/headers.js';
import { natsRequest } from '../nats/request.js';
import { defineService, on } from './define.js';
import { startService } from './startService.js';
import type { RunningService } from './types.js';

// Unique per run so parallel and repeated runs never answer each other's requests.
const SERVICE = `echo-${randomBytes(4).toString('hex')}`;
const echo = defineCommand({
  service: SERVICE,
  name: 'Echo',
  request: z.object({ text: z.string().min(1), delayMs: z.int().min(0).default(0) }),
  reply: z.object({ text: z.string(), correlationId: z.string() }),
});
// Resolved when a handler starts: the close test waits for its request to be in flight.
let handlerStarted: () => void = () => undefined;
const echoService = (name: string, failing = false) =>
  defineService({
    name,
    features: [
      {
        name: 'echo',
        handlers: [
          on(echo, async (_deps: unknown, request, meta) => {
            handlerStarted();
            await new Promise((resolve) => setTimeout(resolve, request.delayMs));
            return { text: request.text, correlationId: meta.correlationId };
          }),
        ],
        healthChecks: failing ? { redis: () => Promise.reject(new Error('connection refused')) } : {},
      },
    ],
  });

const schemas: string[] = [];
const envFor = () => {
  schemas.push(uniqueServiceName('echo'));
  return { ...process.env, SERVICE_SCHEMA: schemas.at(-1), HEALTH_PORT: '0', SHUTDOWN_TIMEOUT_MS: '5000' };
};
// Info-level lines are kept so a test can check the per-message log line.
const logLines: Record<string, unknown>[] = [];
const logger = createLogger({
  service: 'transport-test',
  level: 'info',
  destination: { write: (line: string) => void logLines.push(JSON.parse(line)) },
});

afterAll(async () => {
  const pool = await testPool(2);
  for (const schema of schemas) await dropServiceSchemas(pool, schema);
  await pool.end();
});

describe('the runtime transport', () => {
  let client: NatsConnection;
  let service: RunningService;

  beforeAll(async () => {
    client = await connectNats({
      servers: process.env.NATS_URL ?? 'nats://127.0.0.1:4222',
      name: `${SERVICE}-client`,
    });
    service = await startService(echoService(SERVICE), { env: envFor(), logger, handleSignals: false });
  });
  afterAll(async () => {
    await service.close();
    await closeNats(client);
  });

  it('answers a contract request with the caller metadata in context, one log line per message', async () => {
    const meta = {
      requestId: 'r-1',
      correlationId: 'c-1',
      causationId: 'r-1',
      actor: { type: 'system' as const },
    };
    await expect(natsRequest(client, echo, { text: 'hi', delayMs: 0 }, { meta })).resolves.toEqual({
      text: 'hi',
      correlationId: 'c-1',
    });
    expect(logLines).toContainEqual(
      expect.objectContaining({
        msg: 'message handled',
        subject: echo.subject,
        requestId: 'r-1',
        correlationId: 'c-1',
      }),
    );
  });

  it('replies VALIDATION to a payload that breaks the contract, and to one that is not JSON', async () => {
    for (const body of [JSON.stringify({ text: '' }), 'not json']) {
      const msg = await client.request(echo.subject, body, { timeout: 5_000 });
      expect(msg.json()).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    }
  });

  it('answers its Health query and serves /healthz and /readyz over HTTP', async () => {
    const health = await natsRequest(client, healthQuery(SERVICE), {});
    expect(health).toMatchObject({
      service: SERVICE,
      status: 'ok',
      checks: { nats: { ok: true }, postgres: { ok: true } },
    });
    const base = `http://127.0.0.1:${service.healthPort}`;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ok', checks: { postgres: { ok: true } } });
    expect((await fetch(`${base}/nope`)).status).toBe(404);
  });

  it('starts no handler for a request whose caller already gave up (its deadline passed)', async () => {
    let started = 0;
    handlerStarted = () => {
      started++;
    };
    const meta = {
      requestId: 'r-2',
      correlationId: 'c-2',
      causationId: 'r-2',
      actor: { type: 'system' as const },
    };
    const headers = metaToNatsHeaders(meta, { [HEADER.deadline]: String(Date.now() - 1) });
    const expired = await client.request(echo.subject, JSON.stringify({ text: 'late' }), {
      timeout: 5_000,
      headers,
    });
    expect(expired.json()).toMatchObject({ ok: false, error: { code: 'UNAVAILABLE' } });
    expect(started).toBe(0);
    const live = metaToNatsHeaders(meta, { [HEADER.deadline]: String(Date.now() + 60_000) });
    const answered = await client.request(echo.subject, JSON.stringify({ text: 'on time' }), {
      timeout: 5_000,
      headers: live,
    });
    expect(answered.json()).toMatchObject({ ok: true, data: { text: 'on time' } });
    expect(started).toBe(1);
  });

  it('finishes in-flight requests on close, then stops answering', async () => {
    const started = new Promise<void>((resolve) => {
      handlerStarted = resolve;
    });
    const inFlight = natsRequest(client, echo, { text: 'slow', delayMs: 300 });
    await started;
    await service.close();
    await expect(inFlight).resolves.toMatchObject({ text: 'slow' });
    await expect(natsRequest(client, echo, { text: 'late', delayMs: 0 })).rejects.toBeInstanceOf(
      UnavailableError,
    );
  });
});

describe('the runtime transport with a failing dependency', () => {
  it('answers /readyz 503 and Health "degraded" while a check fails', async () => {
    const name = SERVICE; // the first suite stopped it: its handler table is reused
    const service = await startService(echoService(name, true), {
      env: envFor(),
      logger,
      handleSignals: false,
    });
    try {
      const ready = await fetch(`http://127.0.0.1:${service.healthPort}/readyz`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toMatchObject({
        checks: { redis: { ok: false, error: 'connection refused' } },
      });
      const health = await natsRequest(service.context.nats, healthQuery(name), {});
      expect(health.status).toBe('degraded');
    } finally {
      await service.close();
    }
  });
});
