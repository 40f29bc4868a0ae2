import { createHash, randomBytes } from 'node:crypto';
import { type MessageMeta, requestUploadCommand, uuidv7 } from '@ledgerline/contracts';
import { closeNats, connectNats, natsRequest } from '@ledgerline/platform';
import { dropServiceSchemas, infrastructure, startTestNats, testPool } from '@ledgerline/testing';
import { type Child, startTs, waitForOk } from '../gateway/processes.js';
import { percentile } from '../kernel/stats.js';

// The files side of POST /files/uploads alone: RequestUpload over NATS straight to the files
// service (no gateway), `CONNECTIONS` in flight over `USERS` users for `SECONDS`. A profiling aid:
//   BENCH_NODE_FLAGS="--cpu-prof --cpu-prof-dir=/tmp/prof" npx tsx --conditions=@ledgerline/source files/requestProfile.ts
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const USERS = Number(process.env.BENCH_USERS ?? 20);
const [S3_PORT, FILES_HEALTH] = [3921, 3922];
const BUCKET = 'bench-files';

const { databaseUrl, redisUrl } = await infrastructure();
const nats = await startTestNats({ jetstream: true });
const schema = `files-prof${randomBytes(3).toString('hex')}`;
const children: Child[] = [];
try {
  children.push(startTs('bench/files/s3Server.ts', { S3_PORT: String(S3_PORT), S3_BUCKET: BUCKET }));
  children.push(
    startTs('services/files/src/main.ts', {
      NATS_URL: nats.url,
      DATABASE_URL: databaseUrl,
      REDIS_URL: redisUrl,
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      SERVICE_SCHEMA: schema,
      HEALTH_PORT: String(FILES_HEALTH),
      S3_ENDPOINT: `http://127.0.0.1:${S3_PORT}`,
      S3_BUCKET: BUCKET,
      S3_ACCESS_KEY_ID: 'test-access-key',
      S3_SECRET_ACCESS_KEY: 'test-secret-key',
      S3_FORCE_PATH_STYLE: 'true',
    }),
  );
  await waitForOk(`http://127.0.0.1:${FILES_HEALTH}/readyz`);
  const nc = await connectNats({ servers: nats.url, name: 'bench-files-profile' });
  try {
    const users = Array.from({ length: USERS }, () => uuidv7());
    const body = Buffer.alloc(10 * 1024, 1);
    const sha256 = createHash('sha256').update(body).digest('hex');
    const latencies: number[] = [];
    let failures = 0;
    let turn = 0;
    const deadline = performance.now() + SECONDS * 1000;
    const worker = async () => {
      while (performance.now() < deadline) {
        const userId = users[turn++ % users.length]!;
        const meta: MessageMeta = {
          requestId: uuidv7(),
          correlationId: uuidv7(),
          causationId: uuidv7(),
          actor: { type: 'user', id: userId, roles: ['user'] },
        };
        const request = {
          userId,
          fileName: 'bench.pdf',
          contentType: 'application/pdf',
          size: body.length,
          sha256,
        };
        const started = performance.now();
        try {
          await natsRequest(nc, requestUploadCommand, request, { meta, timeoutMs: 30_000 });
          latencies.push(performance.now() - started);
        } catch (error) {
          if (failures++ === 0) console.error(error);
        }
      }
    };
    const began = performance.now();
    await Promise.all(Array.from({ length: CONNECTIONS }, worker));
    const seconds = (performance.now() - began) / 1000;
    console.log(
      `RequestUpload over NATS: ${Math.round(latencies.length / seconds)} req/s, p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms, failures ${failures}`,
    );
    // Profiling aid: what the service still does after the requests (its saga catching up).
    await new Promise((resolve) => setTimeout(resolve, Number(process.env.BENCH_LINGER_SECONDS ?? 0) * 1000));
  } finally {
    await closeNats(nc);
  }
} finally {
  for (const child of children.reverse()) await child.stop();
  await nats.stop();
  const pool = await testPool(2);
  await dropServiceSchemas(pool, schema);
  await pool.end();
}
