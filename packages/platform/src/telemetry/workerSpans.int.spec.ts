import { ContractRegistry, defineEvent } from '@ledgerline/contracts';
import {
  createDurableConsumer,
  EventRelay,
  ensureEventsStream,
  migrateService,
  PostgresEventStore,
  type RunningConsumer,
  runConsumer,
} from '@ledgerline/eventsourcing';
import { dropServiceSchemas, infrastructure, testPool, uniqueServiceName } from '@ledgerline/testing';
import { DeliverPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { SpanKind, trace } from '@opentelemetry/api';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { withConsumerSpan } from './spans.js';
import { type SpanExporter, startTelemetry, type Telemetry } from './startTelemetry.js';

type ExportedSpan = Parameters<SpanExporter['export']>[0][number];

/** Keeps finished spans in memory. */
class MemoryExporter implements SpanExporter {
  readonly spans: ExportedSpan[] = [];
  export(spans: ExportedSpan[], done: (result: { code: number }) => void): void {
    this.spans.push(...spans);
    done({ code: 0 });
  }
  async shutdown(): Promise<void> {}
  async forceFlush(): Promise<void> {}
}

// The kernel's workers continue the trace of the request that appended an event: the event keeps
// the appending handler's traceparent, the relay publishes it in a PRODUCER span under that
// handler, and a JetStream consumer handles it in a CONSUMER span under the producer.
const service = uniqueServiceName('spans').replaceAll('_', '-');
const contracts = new ContractRegistry().add(
  defineEvent({
    service,
    type: 'ThingHappened',
    schemaVersion: 1,
    data: z.object({ n: z.number() }),
    public: true,
  }),
);
const exporter = new MemoryExporter();
let telemetry: Telemetry;
let pool: pg.Pool;
let store: PostgresEventStore;
let nc: NatsConnection;
let consumer: RunningConsumer | undefined;

beforeAll(async () => {
  telemetry = startTelemetry({ serviceName: 'workerspans', enabled: true, traceExporter: exporter });
  pool = await testPool(6);
  await migrateService(pool, service);
  store = new PostgresEventStore({ pool, service });
  nc = await connect({ servers: (await infrastructure()).natsUrl });
  await ensureEventsStream(await jetstreamManager(nc));
});

afterAll(async () => {
  await consumer?.stop();
  await (await jetstreamManager(nc)).consumers.delete('EVENTS', service).catch(() => undefined);
  await nc.drain();
  await store.close();
  await dropServiceSchemas(pool, service);
  await pool.end();
  await telemetry.shutdown();
});

describe('spans of the kernel workers', () => {
  it('handler → event meta → relay PRODUCER → consumer CONSUMER, one trace', async () => {
    const js = jetstream(nc);
    const streamId = `thing-${service}`;
    // The "handler": a SERVER-like span in a trace the gateway started.
    const gatewayTrace = '0af7651916cd43dd8448eb211c80319c';
    const headers = { traceparent: `00-${gatewayTrace}-b7ad6b7169203331-01` };
    const handler = await withConsumerSpan('handler', headers, async (span) => {
      await store.append(streamId, [{ type: 'ThingHappened', data: { n: 1 } }], {
        expectedVersion: 'no_stream',
        meta: { requestId: 'r', correlationId: 'c', causationId: 'c', ...headers },
      });
      return span.spanContext();
    });
    const [stored] = await store.readStream(streamId);
    expect(stored?.meta?.traceparent).toBe(`00-${gatewayTrace}-${handler.spanId}-01`);

    const subject = `evt.${service}.ThingHappened`;
    await createDurableConsumer({
      jsm: await jetstreamManager(nc),
      durable: service,
      filterSubject: subject,
      deliverPolicy: DeliverPolicy.All,
    });
    const relay = new EventRelay({ pool, service, js, isPublic: () => true });
    expect(await relay.relayOnce()).toBe(1);
    const handled: string[] = [];
    consumer = await runConsumer({
      pool,
      service,
      js,
      consumer: service,
      messages: contracts,
      handle: async () => {
        handled.push(trace.getActiveSpan()?.spanContext().spanId ?? 'none');
      },
    });
    await expect.poll(() => handled.length, { timeout: 15_000 }).toBe(1);
    await consumer.stop();
    consumer = undefined;
    await telemetry.shutdown();

    const producer = exporter.spans.find((s) => s.name === `${subject} publish`);
    expect(producer?.kind).toBe(SpanKind.PRODUCER);
    expect(producer?.spanContext().traceId).toBe(gatewayTrace);
    expect(producer?.parentSpanContext?.spanId).toBe(handler.spanId);
    const consumed = exporter.spans.find((s) => s.name === `${subject} process`);
    expect(consumed?.kind).toBe(SpanKind.CONSUMER);
    expect(consumed?.spanContext().traceId).toBe(gatewayTrace);
    expect(consumed?.parentSpanContext?.spanId).toBe(producer?.spanContext().spanId);
    expect(handled).toEqual([consumed?.spanContext().spanId]);
  });
});
