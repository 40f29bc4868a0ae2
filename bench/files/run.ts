import { createHash, randomBytes } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { closeNats, connectNats } from '@ledgerline/platform';
import { dropServiceSchemas, infrastructure, startTestNats, testPool } from '@ledgerline/testing';
import { type LoadResult, load } from '../gateway/load.js';
import { type Child, startTs, waitForOk } from '../gateway/processes.js';
import { median } from '../kernel/stats.js';
import { writeResultsSection } from '../results.js';
import { smallUploads, type UploadsRun } from './uploads.js';
import { type VerificationRun, verificationThroughput } from './verification.js';

// npm run bench:files — (1) verifying one large object (HEAD + SHA-256 stream + sniff) vs a raw
// GetObject stream read of it, (2) small uploads end to end, (3) POST /files/uploads through the
// gateway vs the gateway's raw ceiling. The S3 test server, the files service, identity and the
// gateway run as their own processes; everything shares this machine's cores.
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const MIB = Number(process.env.BENCH_FILES_MIB ?? 256);
const UPLOADS = Number(process.env.BENCH_FILES_UPLOADS ?? 1000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const GATEWAY_USERS = Number(process.env.BENCH_USERS ?? 20);
const [S3_PORT, FILES_HEALTH, GATEWAY_PORT, ECHO_PORT] = [3911, 3912, 3913, 3914];
const BUCKET = 'bench-files';
const credentials = { accessKeyId: 'test-access-key', secretAccessKey: 'test-secret-key' };

const { databaseUrl, redisUrl } = await infrastructure();
const nats = await startTestNats({ jetstream: true });
const id = randomBytes(3).toString('hex');
const schemas = { files: `files-bench${id}`, identity: `identity-bench${id}` };
const common = {
  NATS_URL: nats.url,
  DATABASE_URL: databaseUrl,
  REDIS_URL: redisUrl,
  NODE_ENV: 'test',
  LOG_LEVEL: 'warn',
};
const children: Child[] = [];
const load1 = loadavg()[0]!;
const began = Date.now();

try {
  children.push(startTs('bench/files/s3Server.ts', { S3_PORT: String(S3_PORT), S3_BUCKET: BUCKET }));
  const endpoint = `http://127.0.0.1:${S3_PORT}`;
  children.push(
    startTs('services/files/src/main.ts', {
      ...common,
      SERVICE_SCHEMA: schemas.files,
      HEALTH_PORT: String(FILES_HEALTH),
      S3_ENDPOINT: endpoint,
      S3_BUCKET: BUCKET,
      S3_ACCESS_KEY_ID: credentials.accessKeyId,
      S3_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      S3_FORCE_PATH_STYLE: 'true',
    }),
  );
  await waitForOk(`http://127.0.0.1:${FILES_HEALTH}/readyz`);

  const verification: VerificationRun[] = await verificationThroughput(
    { endpoint, bucket: BUCKET, credentials },
    MIB,
    Number(process.env.BENCH_VERIFY_RUNS ?? 5),
  );

  const nc = await connectNats({ servers: nats.url, name: 'bench-files' });
  let uploads: UploadsRun;
  try {
    uploads = await smallUploads(nc, { count: UPLOADS, sizeBytes: 10 * 1024, concurrency: 20, users: 50 });
    console.log(`uploads: ${Math.round(uploads.uploadsPerSecond)}/s, p99 ${Math.round(uploads.p99Ms)} ms`);
  } finally {
    await closeNats(nc);
  }

  const gateway = await gatewayComparison(common);
  await writeResultsSection(
    new URL('../RESULTS.md', import.meta.url).pathname,
    'files',
    report(verification, uploads, gateway, {
      load1,
      load2: loadavg()[0]!,
      seconds: (Date.now() - began) / 1000,
    }),
  );
} finally {
  for (const child of children.reverse()) await child.stop();
  await nats.stop();
  const pool = await testPool(2);
  await dropServiceSchemas(pool, schemas.files);
  await dropServiceSchemas(pool, schemas.identity);
  await pool.end();
}

async function gatewayComparison(env: Record<string, string>) {
  children.push(startTs('services/identity/src/main.ts', { ...env, SERVICE_SCHEMA: schemas.identity }));
  children.push(
    startTs('services/api-gateway/src/main.ts', {
      ...env,
      PORT: String(GATEWAY_PORT),
      HOST: '127.0.0.1',
      RATE_LIMIT_ENABLED: 'false',
      READY_SERVICES: 'identity,files',
      REDIS_KEY_PREFIX: `bench${id}:`,
    }),
  );
  const echoEnv = { NATS_URL: env.NATS_URL!, ECHO_SUBJECT: `bench.echo.${id}`, PORT: String(ECHO_PORT) };
  children.push(startTs('bench/gateway/echoCeiling.ts', echoEnv));
  children.push(startTs('bench/gateway/echoResponder.ts', echoEnv));
  const base = `http://127.0.0.1:${GATEWAY_PORT}`;
  await waitForOk(`${base}/readyz`, 180_000);
  await waitForOk(`http://127.0.0.1:${ECHO_PORT}/healthz`);
  const tokens: string[] = [];
  for (let i = 0; i < GATEWAY_USERS; i++) {
    const email = `files-bench-${id}-${i}@example.test`;
    const password = 'benchmark passphrase 2026!';
    await post(`${base}/auth/register`, { email, password, displayName: `Bench ${i}` });
    const { tokens: t } = (await post(`${base}/auth/login`, { email, password })) as {
      tokens: { accessToken: string };
    };
    tokens.push(t.accessToken);
  }
  let turn = 0;
  const body = Buffer.alloc(10 * 1024, 1);
  const request = JSON.stringify({
    fileName: 'bench.pdf',
    contentType: 'application/pdf',
    size: body.length,
    sha256: createHash('sha256').update(body).digest('hex'),
  });
  const raw: LoadResult[] = [];
  const uploads: LoadResult[] = [];
  for (let run = 1; run <= RUNS; run++) {
    raw.push(await load({ url: `http://127.0.0.1:${ECHO_PORT}/echo`, seconds: SECONDS }));
    uploads.push(
      await load({
        url: `${base}/files/uploads`,
        method: 'POST',
        body: () => request,
        perRequestHeaders: () => ({ authorization: `Bearer ${tokens[turn++ % tokens.length]}` }),
        seconds: SECONDS,
      }),
    );
    console.log(
      `gateway run ${run}/${RUNS}: raw ${Math.round(raw.at(-1)!.requestsPerSecond)} req/s · POST /files/uploads ${Math.round(uploads.at(-1)!.requestsPerSecond)} req/s`,
    );
  }
  return { raw, uploads };
}

async function post(url: string, body: unknown): Promise<unknown> {
  for (let attempt = 0; ; attempt++) {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (response.status === 503 && attempt < 20) {
      await response.arrayBuffer();
      await new Promise((resolve) => setTimeout(resolve, 1000));
      continue;
    }
    if (!response.ok) throw new Error(`${url}: ${response.status} ${await response.text()}`);
    return response.json();
  }
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}
function range(values: number[]): string {
  return `${fmt(median(values))} (${fmt(Math.min(...values))}–${fmt(Math.max(...values))})`;
}

function report(
  verification: VerificationRun[],
  uploads: UploadsRun,
  gateway: { raw: LoadResult[]; uploads: LoadResult[] },
  meta: { load1: number; load2: number; seconds: number },
): string {
  const raw = verification.map((r) => r.rawMBps);
  const verify = verification.map((r) => r.verifyMBps);
  const ratio = median(verify) / median(raw);
  const gRaw = gateway.raw.map((r) => r.requestsPerSecond);
  const gUp = gateway.uploads.map((r) => r.requestsPerSecond);
  const gRatio = median(gUp) / median(gRaw);
  const errors = gateway.uploads.reduce((n, r) => n + r.non2xx + r.errors, 0);
  return `## Files

- date: ${new Date().toISOString()}; Node ${process.version}; cores: ${cpus().length}; load average (1 min) at start / end: ${meta.load1.toFixed(1)} / ${meta.load2.toFixed(1)}
- S3: the @ledgerline/testing S3 server (in memory) in its own process; the files service, identity and the gateway in their own processes; ${verification.length} verification runs (raw and verified read alternately), ${RUNS} gateway runs of ${SECONDS} s

| measurement | files, median (min–max) | raw, median (min–max) | ratio | goal | met? |
|---|---|---|---|---|---|
| verify one ${MIB} MiB object (HEAD + one GetObject through SHA-256 + sniff) vs raw GetObject stream read | ${range(verify)} MB/s | ${range(raw)} MB/s | ${ratio.toFixed(2)} | ≥ 0.8 | ${ratio >= 0.8 ? 'yes' : 'NO'} |
| POST /files/uploads through the gateway (50 connections, ${GATEWAY_USERS} users) vs the raw ceiling (bare Fastify + 1 NATS request) | ${range(gUp)} req/s | ${range(gRaw)} req/s | ${gRatio.toFixed(2)} | ≥ 0.25 | ${gRatio >= 0.25 ? 'yes' : 'NO'} |
| ${fmt(uploads.count)} uploads of 10 KiB end to end (request, HTTP PUT, complete, verified; 20 at a time, 50 users) | ${uploads.uploadsPerSecond.toFixed(1)} uploads/s | — | — | reported | n/a |

- complete → FileAvailable on JetStream: p50 ${fmt(uploads.p50Ms)} ms, p99 ${fmt(uploads.p99Ms)} ms
- POST /files/uploads: p99 ${fmt(median(gateway.uploads.map((r) => r.p99)))} ms; non-2xx + errors: ${errors}
- whole run took ${fmt(meta.seconds)} s

How to run: \`source scripts/use-node.sh && npm run bench:files\` (BENCH_RUNS, BENCH_FILES_MIB, BENCH_FILES_UPLOADS, BENCH_SECONDS tune it).`;
}
