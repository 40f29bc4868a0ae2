import { healthQuery } from '@ledgerline/contracts';
import { dropServiceSchemas, testPool, uniqueServiceName, waitUntil } from '@ledgerline/testing';
import { jetstreamManager } from '@nats-io/jetstream';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../config/configError.js';
import { createLogger } from '../logging/createLogger.js';
import { closeNats, connectNats, type NatsConnection } from '../nats/connection.js';
import { natsRequest } from '../nats/request.js';
import { notesService } from './fixtures/notesService.js';
import { manifestOf } from './manifest.js';
import { startService } from './startService.js';
import type { RunningService } from './types.js';

const notes = notesService();
const schema = uniqueServiceName('runtime');
const env = { ...process.env, SERVICE_SCHEMA: schema, HEALTH_PORT: '0', LOG_LEVEL: 'warn' };
const logger = createLogger({ service: notes.name, level: 'warn' });

describe('startService', () => {
  let service: RunningService;
  let client: NatsConnection;
  let pool: pg.Pool;

  beforeAll(async () => {
    pool = await testPool();
    client = await connectNats({
      servers: process.env.NATS_URL ?? 'nats://127.0.0.1:4222',
      name: 'runtime-test',
    });
    service = await startService(notes.definition, { env, logger, handleSignals: false });
  });
  afterAll(async () => {
    await service?.close();
    const jsm = await jetstreamManager(client);
    await jsm.consumers.delete('EVENTS', `${notes.name}-echo`).catch(() => undefined);
    await closeNats(client);
    await dropServiceSchemas(pool, schema);
    await pool.end();
  });

  it('answers a handler from the table, with the inline projection written in the append', async () => {
    const { id } = await natsRequest(client, notes.takeNote, { text: 'first' });
    // Read-your-writes: the inline projection committed with the event.
    await expect(natsRequest(client, notes.getNote, { id })).resolves.toEqual({
      id,
      text: 'first',
      version: 1,
      actor: 'system',
    });
  });

  it('parses requests with the contract and maps errors by code', async () => {
    await expect(natsRequest(client, notes.getNote, { id: 'missing' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    const raw = await client.request(notes.takeNote.subject, JSON.stringify({ text: 42 }), {
      timeout: 5_000,
    });
    expect(raw.json()).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
  });

  it('runs the reactor, the relay and the consumer under leader workers', async () => {
    const { id } = await natsRequest(client, notes.takeNote, { text: 'second' });
    // reactor: appended to another stream in its own transaction
    await waitUntil(async () => (await service.context.store.readStream(`ack-${id}`)).length === 1, 20_000);
    // relay → JetStream EVENTS → the feature's durable consumer (inbox)
    await waitUntil(() => notes.received.includes(id), 20_000);
    const kinds = service.workers().map((w) => `${w.kind}:${w.name}`);
    expect(kinds.sort()).toEqual(
      ['relay:relay', 'reactor:acknowledge', `consumer:${notes.name}-echo`, 'worker:notes.journal'].sort(),
    );
    expect(notes.journal).toContain('worker started');
  });

  it('answers Health with the resources and the features checks', async () => {
    const reply = await natsRequest(client, healthQuery(notes.name), {});
    expect(Object.keys(reply.checks).sort()).toEqual(['clock', 'nats', 'notes', 'postgres']);
    expect(reply.status).toBe('ok');
    const ready = await fetch(`http://127.0.0.1:${service.healthPort}/readyz`);
    expect(ready.status).toBe(200);
  });

  it("runs the service's statements without JIT compilation", async () => {
    const { rows } = await service.context.pool.query<{ jit: string }>('SHOW jit');
    expect(rows[0]!.jit).toBe('off');
  });

  it('exposes the context, the deps and a manifest derived from the definition', () => {
    expect(service.context.schema).toBe(schema);
    expect(service.context.config.NOTES_GREETING).toBe('hello');
    expect(service.depsOf(notes.notes).schema).toBe(schema);
    const manifest = manifestOf(notes.definition);
    expect(manifest.projections.map((p) => p.name)).toEqual(['notes']);
    expect(manifest.reactors?.map((r) => r.name)).toEqual(['acknowledge']);
    expect(manifest.readModelMigrationsDir).toMatch(/fixtures\/prisma\/migrations$/);
  });
});

describe('startService shutdown and start-up policy', () => {
  it('stops intake, then the workers, then the resources, then the pool', async () => {
    const other = notesService();
    const otherSchema = uniqueServiceName('runtime_stop');
    const pool = await testPool();
    const client = await connectNats({
      servers: process.env.NATS_URL ?? 'nats://127.0.0.1:4222',
      name: 'stop-test',
    });
    try {
      const svc = await startService(other.definition, {
        env: { ...env, SERVICE_SCHEMA: otherSchema },
        logger,
        handleSignals: false,
      });
      await waitUntil(() => other.journal.includes('worker started'), 20_000);
      await svc.close();
      expect(other.journal).toEqual(['worker started', 'worker stopped', 'clock closed']);
      expect(svc.context.pool.totalCount).toBe(0);
      await expect(
        natsRequest(client, other.getNote, { id: 'x' }, { timeoutMs: 1_000 }),
      ).rejects.toMatchObject({
        code: 'UNAVAILABLE',
      });
      await svc.close(); // idempotent
      const jsm = await jetstreamManager(client);
      await jsm.consumers.delete('EVENTS', `${other.name}-echo`).catch(() => undefined);
    } finally {
      await closeNats(client);
      await dropServiceSchemas(pool, otherSchema);
      await pool.end();
    }
  });

  it('lists every bad variable, its own and the runtime one, and starts nothing', async () => {
    const bad = { ...env, SERVICE_SCHEMA: 'Not A Schema', DATABASE_POOL_SIZE: 'many', NOTES_GREETING: '' };
    const error = await startService(notes.definition, { env: bad, logger, handleSignals: false }).catch(
      (e) => e,
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.map((p) => p.name).sort()).toEqual([
      'DATABASE_POOL_SIZE',
      'SERVICE_SCHEMA',
    ]);
  });

  it('does not migrate in production unless MIGRATE_ON_START says so', async () => {
    const other = notesService();
    const otherSchema = uniqueServiceName('runtime_prod');
    const pool = await testPool();
    try {
      const prod = { ...env, NODE_ENV: 'production', SERVICE_SCHEMA: otherSchema };
      // Workers off: they would wait for tables that the Helm job creates in production.
      const svc = await startService(other.definition, {
        env: prod,
        logger,
        handleSignals: false,
        workers: false,
      });
      const { rows } = await pool.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [
        `${otherSchema}_es`,
      ]);
      expect(rows).toHaveLength(0);
      await svc.close();
      const migrated = await startService(other.definition, {
        env: { ...prod, MIGRATE_ON_START: 'true' },
        logger,
        handleSignals: false,
        workers: false,
      });
      const after = await pool.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [`${otherSchema}_es`]);
      expect(after.rows).toHaveLength(1);
      await migrated.close();
    } finally {
      await dropServiceSchemas(pool, otherSchema);
      await pool.end();
    }
  });
});
