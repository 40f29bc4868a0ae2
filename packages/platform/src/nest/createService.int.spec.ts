import { randomBytes } from 'node:crypto';
import { defineCommand, healthQuery, UnavailableError } from '@ledgerline/contracts';
import { Controller, Module } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { baseConfigSchema, loadConfig } from '../config/loadConfig.js';
import { createLogger } from '../logging/createLogger.js';
import { closeNats, connectNats, type NatsConnection } from '../nats/connection.js';
import { natsRequest } from '../nats/request.js';
import { createService, type ServiceHandle } from './createService.js';
import { handleMessage } from './handleMessage.js';

// Unique per run so parallel and repeated runs never answer each other's requests.
const SERVICE = `testsvc-${randomBytes(4).toString('hex')}`;
const echo = defineCommand({
  service: SERVICE,
  name: 'Echo',
  request: z.object({ text: z.string().min(1), delayMs: z.int().min(0).default(0) }),
  reply: z.object({ text: z.string(), correlationId: z.string() }),
});

@Controller()
class EchoController {
  @MessagePattern(echo.subject)
  echo(@Payload() payload: unknown) {
    return handleMessage(echo, payload, async (req, meta) => {
      await new Promise((resolve) => setTimeout(resolve, req.delayMs));
      return { text: req.text, correlationId: meta?.correlationId ?? 'none' };
    });
  }
}

@Module({ controllers: [EchoController] })
class EchoModule {}

const config = { ...loadConfig(baseConfigSchema), HEALTH_PORT: 0, SHUTDOWN_TIMEOUT_MS: 5_000 };
// Info-level lines are kept so a test can check the per-message log line.
const logLines: Record<string, unknown>[] = [];
const logger = createLogger({
  service: 'create-service-test',
  level: 'info',
  destination: { write: (line: string) => void logLines.push(JSON.parse(line)) },
});

describe('createService', () => {
  let client: NatsConnection;
  let service: ServiceHandle;

  beforeAll(async () => {
    client = await connectNats({ servers: config.NATS_URL, name: `${SERVICE}-client` });
    service = await createService({
      name: SERVICE,
      module: EchoModule,
      config,
      logger,
      handleSignals: false,
    });
  });
  afterAll(async () => {
    await service.close();
    await closeNats(client);
  });

  it('answers a contract request through natsRequest with the caller metadata in context', async () => {
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
    // One line per handled message, carrying the caller's ids.
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
      const msg = await client.request(echo.subject, body, { timeout: 2_000 });
      expect(msg.json()).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    }
  });

  it('answers its Health query with NATS and Postgres checks', async () => {
    const health = await natsRequest(client, healthQuery(SERVICE), {});
    expect(health).toMatchObject({
      service: SERVICE,
      status: 'ok',
      checks: { nats: { ok: true }, postgres: { ok: true } },
    });
  });

  it('serves /healthz and /readyz over HTTP', async () => {
    const base = `http://127.0.0.1:${service.healthPort}`;
    const alive = await fetch(`${base}/healthz`);
    expect(alive.status).toBe(200);
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ok', checks: { postgres: { ok: true } } });
    expect((await fetch(`${base}/nope`)).status).toBe(404);
  });

  it('finishes in-flight requests on close, then stops answering', async () => {
    const inFlight = natsRequest(client, echo, { text: 'slow', delayMs: 300 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    await service.close();
    await expect(inFlight).resolves.toMatchObject({ text: 'slow' });
    await expect(natsRequest(client, echo, { text: 'late', delayMs: 0 })).rejects.toBeInstanceOf(
      UnavailableError,
    );
  });
});

describe('createService readiness with a failing dependency', () => {
  it('answers /readyz 503 and Health "degraded" while a check fails', async () => {
    const name = `${SERVICE}-degraded`;
    const service = await createService({
      name,
      module: EchoModule,
      config,
      logger,
      handleSignals: false,
      healthChecks: { redis: () => Promise.reject(new Error('connection refused')) },
    });
    try {
      const ready = await fetch(`http://127.0.0.1:${service.healthPort}/readyz`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toMatchObject({
        checks: { redis: { ok: false, error: 'connection refused' } },
      });
      const health = await natsRequest(service.nats, healthQuery(name), {});
      expect(health.status).toBe('degraded');
    } finally {
      await service.close();
    }
  });
});
