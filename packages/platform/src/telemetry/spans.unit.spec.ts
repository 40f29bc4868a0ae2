import { type Span, SpanKind, trace } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newRootMeta } from '../context/messageContext.js';
import { metaFromNatsHeaders, metaToNatsHeaders } from '../nats/headers.js';
import { withConsumerSpan, withProducerSpan } from './spans.js';
import { type SpanExporter, startTelemetry, type Telemetry } from './startTelemetry.js';

type ExportedSpan = Parameters<SpanExporter['export']>[0][number];

/** Collects finished spans in memory (the SDK batches; shutdown flushes). */
class MemoryExporter implements SpanExporter {
  readonly spans: ExportedSpan[] = [];
  export(spans: ExportedSpan[], done: (result: { code: number }) => void): void {
    this.spans.push(...spans);
    done({ code: 0 });
  }
  async shutdown(): Promise<void> {}
  async forceFlush(): Promise<void> {}
}

describe('trace context across NATS headers', () => {
  const exporter = new MemoryExporter();
  let telemetry: Telemetry;

  beforeAll(() => {
    telemetry = startTelemetry({ serviceName: 'spantest', enabled: true, traceExporter: exporter });
  });
  afterAll(() => telemetry.shutdown());

  it('makes the consumer span a child of the producer span in the same trace', async () => {
    let producer: Span | undefined;
    let consumer: Span | undefined;
    const headers = await withProducerSpan('test.cmd.Send request', (span) => {
      producer = span;
      return metaToNatsHeaders(newRootMeta({ type: 'system' }));
    });
    expect(headers.get('traceparent')).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(metaFromNatsHeaders(headers).traceparent).toBe(headers.get('traceparent'));

    await withConsumerSpan('test.cmd.Send process', headers, async (span) => {
      consumer = span;
      expect(trace.getActiveSpan()).toBe(span);
    });
    await telemetry.shutdown();

    const producerContext = producer?.spanContext();
    expect(consumer?.spanContext().traceId).toBe(producerContext?.traceId);
    const exported = exporter.spans.find((s) => s.name === 'test.cmd.Send process');
    expect(exported?.kind).toBe(SpanKind.CONSUMER);
    expect(exported?.parentSpanContext?.spanId).toBe(producerContext?.spanId);
    expect(exporter.spans.find((s) => s.name === 'test.cmd.Send request')?.kind).toBe(SpanKind.PRODUCER);
  });
});
