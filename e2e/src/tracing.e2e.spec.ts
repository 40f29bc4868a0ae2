import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { waitUntil } from '@ledgerline/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniqueEmail } from './flows.js';
import { call } from './http.js';

// One trace per flow, through the workers too (issue 7 §6): the cluster runs in a child process
// with OpenTelemetry on, exporting over OTLP/HTTP to the receiver below.
const fixture = fileURLToPath(new URL('./fixtures/tracedCluster.ts', import.meta.url));
// The base config (no `include`): decorators for every workspace source the cluster loads.
const baseTsconfig = fileURLToPath(new URL('../../tsconfig.base.json', import.meta.url));

interface ExportedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: Record<string, unknown>;
  links: Array<{ traceId: string; spanId: string }>;
}
const KIND = { internal: 1, server: 2, client: 3, producer: 4, consumer: 5 } as const;

/** An in-process OTLP/HTTP (JSON) receiver: keeps every exported span in arrival order. */
function startReceiver(): Promise<{ server: Server; url: string; spans: ExportedSpan[] }> {
  const spans: ExportedSpan[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.url === '/v1/traces') spans.push(...parseOtlp(Buffer.concat(chunks).toString('utf8')));
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, spans }),
    ),
  );
}

type OtlpValue = { stringValue?: string; intValue?: string | number; boolValue?: boolean };
function parseOtlp(body: string): ExportedSpan[] {
  const request = JSON.parse(body) as {
    resourceSpans?: Array<{
      scopeSpans?: Array<{
        spans?: Array<{
          traceId: string;
          spanId: string;
          parentSpanId?: string;
          name: string;
          kind: number;
          attributes?: Array<{ key: string; value: OtlpValue }>;
          links?: Array<{ traceId: string; spanId: string }>;
        }>;
      }>;
    }>;
  };
  return (request.resourceSpans ?? []).flatMap((resource) =>
    (resource.scopeSpans ?? []).flatMap((scope) =>
      (scope.spans ?? []).map((span) => ({
        traceId: span.traceId,
        spanId: span.spanId,
        ...(span.parentSpanId ? { parentSpanId: span.parentSpanId } : {}),
        name: span.name,
        kind: span.kind,
        attributes: Object.fromEntries(
          (span.attributes ?? []).map((a) => [
            a.key,
            a.value.stringValue ?? a.value.intValue ?? a.value.boolValue,
          ]),
        ),
        links: span.links ?? [],
      })),
    ),
  );
}

let receiver: Awaited<ReturnType<typeof startReceiver>>;
let child: ChildProcess;
let baseUrl: string;
let pollsUrl: string;

beforeAll(async () => {
  receiver = await startReceiver();
  child = spawn(process.execPath, ['--import', 'tsx', '--conditions=@ledgerline/source', fixture], {
    env: {
      ...process.env,
      TSX_TSCONFIG_PATH: baseTsconfig,
      OTEL_ENABLED: 'true',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      // Export soon after a span ends (the default waits 5 s).
      OTEL_BSP_SCHEDULE_DELAY: '100',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const firstLine = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`traced cluster exited with ${code}`)));
  });
  const started = JSON.parse(firstLine) as { baseUrl: string; pollsPort: number };
  baseUrl = started.baseUrl;
  pollsUrl = `http://127.0.0.1:${started.pollsPort}/healthz/polls`;
}, 120_000);

afterAll(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(timer);
  }
  await new Promise<void>((resolve) => receiver?.server.close(() => resolve()));
});

const spansOf = (traceId: string) => receiver.spans.filter((span) => span.traceId === traceId);
const polls = async () => Number(await (await fetch(pollsUrl)).text());

/** A request whose trace we name, so its spans mark a point in the export stream. */
async function sentinel(): Promise<{ traceId: string; index: number }> {
  const traceId = randomBytes(16).toString('hex');
  const traceparent = `00-${traceId}-${randomBytes(8).toString('hex')}-01`;
  const response = await fetch(`${baseUrl}/openapi.json`, { headers: { traceparent } });
  await response.arrayBuffer();
  // Spans are exported in the order they ended: everything that ended before this one is in.
  await waitUntil(() => spansOf(traceId).length > 0, 30_000);
  return { traceId, index: receiver.spans.findIndex((span) => span.traceId === traceId) };
}

describe('one trace per flow', () => {
  it('registration → identity → relay → notifier → SMTP is one trace', async () => {
    const email = uniqueEmail('traced');
    const registered = await call(baseUrl, 'POST', '/auth/register', {
      body: { email, password: 'correct horse battery staple 42', displayName: 'Ada Lovelace' },
    });
    expect(registered.status).toBeLessThan(300);

    // The HTTP server span is named by its route template and is the root of the flow's trace.
    await waitUntil(() => receiver.spans.some((s) => s.name === 'POST /auth/register'), 30_000);
    const http = receiver.spans.find((s) => s.name === 'POST /auth/register')!;
    expect(http).toMatchObject({ kind: KIND.server, attributes: { 'http.route': '/auth/register' } });
    const trace = () => spansOf(http.traceId);
    // Spans are exported as they end, children before parents: wait for every span the flow must have
    // (the consumer's span ends after its SMTP send, so seeing the send alone is not enough).
    const expected = [
      'identity.cmd.RegisterUser request',
      'identity.cmd.RegisterUser process',
      'evt.identity.EmailVerificationRequested publish',
      'evt.identity.EmailVerificationRequested process',
      'smtp send',
    ];
    await waitUntil(() => expected.every((name) => trace().some((s) => s.name === name)), 30_000);
    const spans = trace();
    const byId = new Map(spans.map((s) => [s.spanId, s]));
    const parentOf = (span: ExportedSpan) => (span.parentSpanId ? byId.get(span.parentSpanId) : undefined);

    // gateway → NATS request (CLIENT) → identity handler (SERVER)
    const request = spans.find((s) => s.name === 'identity.cmd.RegisterUser request');
    expect(request?.kind).toBe(KIND.client);
    const handler = spans.find((s) => s.name === 'identity.cmd.RegisterUser process');
    expect(handler?.kind).toBe(KIND.server);
    expect(handler?.parentSpanId).toBe(request?.spanId);
    // relay: a PRODUCER span whose parent is the handler that appended the event (not the gateway)
    const publish = spans.find((s) => s.name === 'evt.identity.EmailVerificationRequested publish');
    expect(publish?.kind).toBe(KIND.producer);
    expect(publish?.parentSpanId).toBe(handler?.spanId);
    // notifier: a CONSUMER span, child of the producer, and the SMTP send (CLIENT) inside it
    const consume = spans.find((s) => s.name === 'evt.identity.EmailVerificationRequested process');
    expect(consume?.kind).toBe(KIND.consumer);
    expect(consume?.parentSpanId).toBe(publish?.spanId);
    const smtp = spans.find((s) => s.name === 'smtp send')!;
    expect(smtp.kind).toBe(KIND.client);
    expect(parentOf(smtp)?.spanId).toBe(consume?.spanId);
    // The notifier's SQL (claim, record) is in the trace too, under the consumer span.
    expect(
      spans.some((s) => s.parentSpanId === consume?.spanId && s.kind === KIND.client && s !== smtp),
    ).toBe(true);
  });

  it('exports no spans while the cluster is idle, over many poll cycles', async () => {
    // Let whatever the previous test set off settle (async projections run within a poll or two).
    const settled = (await polls()) + 30;
    await waitUntil(async () => (await polls()) >= settled, 60_000);
    const start = await sentinel();
    // A quiet period measured in the workers' own poll cycles (relay, projections, reactors).
    const quiet = (await polls()) + 40;
    await waitUntil(async () => (await polls()) >= quiet, 60_000);
    const end = await sentinel();
    const between = receiver.spans
      .slice(start.index, end.index)
      .filter((span) => span.traceId !== start.traceId && span.traceId !== end.traceId);
    expect(between.map((span) => span.name)).toEqual([]);
  });
});
