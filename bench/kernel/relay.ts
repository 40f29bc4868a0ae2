import { randomUUID } from 'node:crypto';
import { EventRelay } from '@ledgerline/eventsourcing';
import type { BenchService } from './context.js';
import { type BenchStream, purgeServiceSubjects } from './jetstream.js';
import { eventData, eventTypeOf } from './payload.js';
import { seedEvents } from './seed.js';
import { perSecond } from './stats.js';

export interface PublishRun {
  messages: number;
  eventsPerSecond: number;
}

/** An event envelope as the relay publishes it (ARCHITECTURE.md, "Messages"). */
const envelope = (i: number) =>
  JSON.stringify({
    id: randomUUID(),
    type: eventTypeOf(i),
    schemaVersion: 1,
    streamId: `account-${randomUUID()}`,
    streamPosition: 1,
    globalPosition: i + 1,
    occurredAt: new Date().toISOString(),
    data: eventData(i),
    meta: {},
  });

/** Raw baseline: acked JetStream publishes with Nats-Msg-Id, `inFlight` outstanding at a time. */
export async function rawPublish(
  stream: BenchStream,
  messages: number,
  inFlight: number,
): Promise<PublishRun> {
  const bodies = Array.from({ length: messages }, (_, i) => envelope(i));
  const ids = Array.from({ length: messages }, () => randomUUID());
  const encoder = new TextEncoder();
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      for (let i = next++; i < messages; i = next++) {
        const type = eventTypeOf(i);
        await stream.js.publish(`${stream.subjectPrefix}.${type}`, encoder.encode(bodies[i]!), {
          msgID: ids[i]!,
        });
      }
    }),
  );
  return { messages, eventsPerSecond: perSecond(messages, performance.now() - started) };
}

/**
 * Kernel: `EventRelay.relayOnce()` over a freshly seeded log of `messages` events (new event ids,
 * so JetStream's dedup window drops none), all public, publishing to `evt.<service>.<Type>`.
 * Seeding and purging are outside the timed part.
 */
export async function kernelRelay(
  service: BenchService,
  stream: BenchStream,
  messages: number,
): Promise<PublishRun> {
  await service.pool.query(`TRUNCATE "${service.eventStore}"."events"`);
  await service.pool.query(`DELETE FROM "${service.eventStore}"."positions"`);
  await seedEvents(service, { events: messages, streams: 1_000, chunk: messages });
  const relay = new EventRelay({
    pool: service.pool,
    service: service.name,
    js: stream.js,
    isPublic: () => true,
  });
  const started = performance.now();
  const published = await relay.relayOnce();
  const elapsed = performance.now() - started;
  await purgeServiceSubjects(stream.jsm, service.name);
  if (published !== messages) throw new Error(`relay published ${published} of ${messages} events`);
  return { messages: published, eventsPerSecond: perSecond(published, elapsed) };
}
