import { connect } from '@nats-io/transport-node';
import { describe, expect, it } from 'vitest';
import { answers, infrastructure } from './infrastructure.js';
import { testPool, uniqueServiceName } from './postgres.js';
import { startTestNats } from './privateNats.js';

describe('test infrastructure', () => {
  it('resolves URLs that answer, and says how it found them', async () => {
    const infra = await infrastructure();
    expect(await answers(infra.databaseUrl)).toBe(true);
    expect(await answers(infra.natsUrl)).toBe(true);
    expect(await answers(infra.redisUrl)).toBe(true);
    expect(['env', 'testcontainers', 'localhost']).toContain(infra.source.postgres);
  });

  it('tells a closed port from an open one', async () => {
    expect(await answers('postgres://127.0.0.1:1/none')).toBe(false);
  });

  it('gives every test file service names of its own, usable as schema names', async () => {
    const a = uniqueServiceName('orders');
    expect(a).toMatch(/^t_orders_[0-9a-f]{8}$/);
    expect(uniqueServiceName('orders')).not.toBe(a);
    const pool = await testPool(1);
    try {
      await pool.query(`CREATE SCHEMA "${a}_es"`);
      await pool.query(`DROP SCHEMA "${a}_es"`);
    } finally {
      await pool.end();
    }
  });

  it('starts a private NATS server with JetStream that nobody else shares', async () => {
    const nats = await startTestNats({ jetstream: true });
    try {
      expect(nats.private).toBe(true);
      const nc = await connect({ servers: nats.url });
      expect(nc.info?.jetstream).toBe(true);
      await nc.close();
    } finally {
      await nats.stop();
    }
    expect(await answers(nats.url)).toBe(false);
  });
});
