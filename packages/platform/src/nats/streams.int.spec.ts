import { jetstreamManager, RetentionPolicy, StorageType } from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseConfigSchema, loadConfig } from '../config/loadConfig.js';
import { closeNats, connectNats, type NatsConnection } from './connection.js';
import { ensureStreams } from './streams.js';

const { NATS_URL } = loadConfig(baseConfigSchema);

describe('ensureStreams', () => {
  let nc: NatsConnection;
  beforeAll(async () => {
    nc = await connectNats({ servers: NATS_URL, name: 'platform-streams-test' });
  });
  afterAll(() => closeNats(nc));

  it('creates EVENTS and EXTERNAL with file storage, limits retention and the dedup window', async () => {
    await ensureStreams(nc);
    const jsm = await jetstreamManager(nc);
    const expected = { EVENTS: ['evt.>'], EXTERNAL: ['ext.>'] };
    for (const [name, subjects] of Object.entries(expected)) {
      const { config } = await jsm.streams.info(name);
      expect(config.subjects).toEqual(subjects);
      expect(config.storage).toBe(StorageType.File);
      expect(config.retention).toBe(RetentionPolicy.Limits);
      expect(config.duplicate_window).toBe(nanos(120_000));
    }
  });

  it('is a no-op the second time and safe when several processes race', async () => {
    const jsm = await jetstreamManager(nc);
    const before = await jsm.streams.info('EVENTS');
    await Promise.all([ensureStreams(nc), ensureStreams(nc), ensureStreams(nc)]);
    const after = await jsm.streams.info('EVENTS');
    expect(after.created).toEqual(before.created);
    expect(after.config).toEqual(before.config);
  });

  it('applies retention limits and replicas (JETSTREAM_* in deployments) and converges back', async () => {
    // Read from what ensureStreams returns: other test files may converge the shared streams meanwhile.
    const events = (infos: Awaited<ReturnType<typeof ensureStreams>>) =>
      infos.find((info) => info.config.name === 'EVENTS')?.config;
    try {
      const limited = events(
        await ensureStreams(nc, { replicas: 1, maxAgeSeconds: 3600, maxBytes: 64 * 1024 * 1024 }),
      );
      expect(limited).toMatchObject({
        num_replicas: 1,
        max_age: nanos(3_600_000),
        max_bytes: 64 * 1024 * 1024,
      });
    } finally {
      const unlimited = events(await ensureStreams(nc));
      expect(unlimited).toMatchObject({ max_age: 0, max_bytes: -1 });
    }
  });
});
