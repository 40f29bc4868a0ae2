import { ContractRegistry, defineEvent, HEADER, uuidv7 } from '@ledgerline/contracts';
import { dropServiceSchemas, infrastructure, testPool, uniqueServiceName } from '@ledgerline/testing';
import { type JetStreamClient, type JetStreamManager, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, headers, type NatsConnection } from '@nats-io/transport-node';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { listDeadLetters } from '../deadLetters/deadLetters.js';
import { migrateService } from '../migrations/kernelMigrations.js';
import { ensureEventsStream } from '../relay/eventsStream.js';
import { createDurableConsumer } from './durableConsumer.js';
import type { ConsumerHandler } from './processMessage.js';
import { retryConsumerDeadLetter } from './retryDeadLetter.js';
import { type RunConsumerOptions, type RunningConsumer, runConsumer } from './runConsumer.js';

const service = uniqueServiceName('cons').replaceAll('_', '-');
const schema = `"${service.replaceAll('-', '_')}_es"`;
// One subject namespace per test, so each durable consumer sees only its own test's messages.
const subjectService = (tag: string) => `${service}-${tag}`;
const contracts = new ContractRegistry();
for (const tag of ['dup', 'bad', 'poison']) {
  const data = z.object({ n: z.number() });
  contracts.add(
    defineEvent({ service: subjectService(tag), type: 'ItemCounted', schemaVersion: 1, data, public: true }),
  );
}
let pool: pg.Pool;
let nc: NatsConnection;
let js: JetStreamClient;
let jsm: JetStreamManager;
const durables: string[] = [];
const running: RunningConsumer[] = [];

beforeAll(async () => {
  pool = await testPool(10);
  await migrateService(pool, service);
  await pool.query(`CREATE TABLE ${schema}.seen (message_id text, n int)`);
  nc = await connect({ servers: (await infrastructure()).natsUrl });
  js = jetstream(nc);
  jsm = await jetstreamManager(nc);
  await ensureEventsStream(jsm);
});

afterAll(async () => {
  await Promise.all(running.map((r) => r.stop()));
  for (const durable of durables) await jsm.consumers.delete('EVENTS', durable).catch(() => undefined);
  await nc.close();
  await dropServiceSchemas(pool, service);
  await pool.end();
});

const envelope = (type: string, data: unknown, id = uuidv7()) => ({
  id,
  type,
  schemaVersion: 1,
  streamId: `item-${id}`,
  streamPosition: 1,
  globalPosition: 1,
  occurredAt: new Date().toISOString(),
  data,
  meta: { correlationId: 'corr-1' },
});

const publish = async (tag: string, type: string, body: unknown, msgId = uuidv7()) => {
  const h = headers();
  h.set(HEADER.natsMsgId, msgId);
  const payload = typeof body === 'string' ? body : JSON.stringify(body);
  await js.publish(`evt.${subjectService(tag)}.${type}`, payload, { msgID: msgId, headers: h });
};

const recordSeen: ConsumerHandler = async ({ client, event }) => {
  await client.query(`INSERT INTO ${schema}.seen VALUES ($1, $2)`, [
    event.id,
    (event.data as { n: number }).n,
  ]);
};

const start = async (tag: string, handle: ConsumerHandler, extra: Partial<RunConsumerOptions> = {}) => {
  const durable = `${service}-${tag}`;
  durables.push(durable);
  await createDurableConsumer({ jsm, durable, filterSubject: `evt.${subjectService(tag)}.>`, maxDeliver: 3 });
  const consumer = await runConsumer({
    pool,
    service,
    js,
    consumer: durable,
    messages: contracts,
    handle,
    fetchExpiresMs: 1000,
    retryBaseDelayMs: 20,
    ...extra,
  });
  running.push(consumer);
  return durable;
};

const drained = async (durable: string) => {
  const info = await jsm.consumers.info('EVENTS', durable);
  return info.num_pending + info.num_ack_pending;
};

const seen = async (n: number) =>
  (await pool.query(`SELECT message_id FROM ${schema}.seen WHERE n = $1`, [n])).rows.map((r) => r.message_id);

describe('durable consumer with an inbox', () => {
  it('creates the durable consumer idempotently', async () => {
    const durable = `${service}-idem`;
    durables.push(durable);
    const options = { jsm, durable, filterSubject: `evt.${subjectService('idem')}.>`, maxDeliver: 4 };
    await createDurableConsumer(options);
    const again = await createDurableConsumer({ ...options, ackWaitMs: 10_000, backoffMs: [1000, 2000] });
    expect(again.config).toMatchObject({
      max_deliver: 4,
      ack_policy: 'explicit',
      filter_subject: options.filterSubject,
    });
    await expect(createDurableConsumer({ ...options, filterSubject: 'evt.other.>' })).rejects.toThrow(
      /filters/,
    );
  });

  it('processes a message delivered twice (same envelope id, new Nats-Msg-Id) once', async () => {
    const first = envelope('ItemCounted', { n: 1 });
    await publish('dup', 'ItemCounted', first);
    await publish('dup', 'ItemCounted', first);
    await publish('dup', 'ItemCounted', envelope('ItemCounted', { n: 2 }));
    const durable = await start('dup', recordSeen);
    await expect.poll(() => drained(durable), { timeout: 10_000 }).toBe(0);
    expect(await seen(1)).toEqual([first.id]);
    expect(await seen(2)).toHaveLength(1);
    const inbox = await pool.query(`SELECT count(*)::int AS n FROM ${schema}.inbox WHERE consumer = $1`, [
      durable,
    ]);
    expect(inbox.rows[0].n).toBe(2);
  });

  it('dead-letters bad JSON, an unknown type and data failing its contract, and carries on', async () => {
    await publish('bad', 'ItemCounted', '{not json');
    await publish('bad', 'Mystery', envelope('Mystery', { n: 3 }));
    await publish('bad', 'ItemCounted', envelope('ItemCounted', { n: 'three' }));
    await publish('bad', 'ItemCounted', envelope('ItemCounted', { n: 3 }));
    const durable = await start('bad', recordSeen);
    await expect.poll(() => drained(durable), { timeout: 10_000 }).toBe(0);
    expect(await seen(3)).toHaveLength(1);
    const letters = await listDeadLetters(pool, service, { sourceKind: 'consumer', sourceName: durable });
    const errors = letters.map((l) => l.error).sort();
    expect(errors).toHaveLength(3);
    expect(errors.join('\n')).toMatch(/not valid JSON/);
    expect(errors.join('\n')).toMatch(/no contract for Mystery v1/);
    expect(errors.join('\n')).toMatch(/ItemCounted v1 data/);
  });

  it('parks a message whose handler always throws after max deliveries, and retries it once', async () => {
    let calls = 0;
    const event = envelope('ItemCounted', { n: 4 });
    await publish('poison', 'ItemCounted', event);
    const durable = await start('poison', async () => {
      calls++;
      throw new Error('handler is broken');
    });
    await expect.poll(() => drained(durable), { timeout: 15_000 }).toBe(0);
    expect(calls).toBe(3);
    const [letter] = await listDeadLetters(pool, service, { sourceKind: 'consumer', sourceName: durable });
    expect(letter).toMatchObject({ messageId: event.id, attempts: 3, messageType: 'ItemCounted' });
    expect(letter!.error).toMatch(/handler is broken/);
    const retry = () =>
      retryConsumerDeadLetter({
        pool,
        service,
        id: letter!.id,
        consumers: { [durable]: { messages: contracts, handle: recordSeen } },
      });
    expect(await retry()).toBe(true);
    expect(await retry()).toBe(false);
    expect(await seen(4)).toEqual([event.id]);
  });
});
