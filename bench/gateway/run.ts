import { randomBytes } from 'node:crypto';
import { cpus } from 'node:os';
import { dropServiceSchemas, infrastructure, startTestNats, testPool } from '@ledgerline/testing';
import { median } from '../kernel/stats.js';
import { type LoadResult, load } from './load.js';
import { type Child, startTs, waitForOk } from './processes.js';
import { writeGatewayResults } from './report.js';

// npm run bench:gateway — GET /me and PATCH /me through gateway → NATS → identity at 50
// connections, beside the raw ceiling (bare Fastify + one NATS request to an echo responder),
// and login throughput (argon2-bound). Servers run as their own processes; the load generator
// runs here. Everything shares this machine's cores, as in production-like single-node setups.
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const GATEWAY_PORT = 3901;
const ECHO_PORT = 3902;
const USERS = Number(process.env.BENCH_USERS ?? 200);
// BENCH_ONLY=patchMe (comma-separated) measures only those, e.g. for a profiling run.
const ONLY = process.env.BENCH_ONLY?.split(',');
const measures = (name: string) => {
  const chosen = ONLY === undefined || ONLY.includes(name);
  // A marker for profiling tools watching the output (which phase runs now).
  if (chosen && ONLY !== undefined) console.log(`measuring ${name} from ${Date.now()}`);
  return chosen;
};

const { databaseUrl, redisUrl } = await infrastructure();
const nats = await startTestNats({ jetstream: true });
const id = randomBytes(3).toString('hex');
const schema = `identity-bench${id}`;
const common = {
  NATS_URL: nats.url,
  DATABASE_URL: databaseUrl,
  REDIS_URL: redisUrl,
  NODE_ENV: 'test',
  LOG_LEVEL: 'warn',
};
const children: Child[] = [];

try {
  children.push(
    startTs('services/identity/src/main.ts', {
      ...common,
      // Names identity's Postgres sessions in pg_stat_activity (to attribute their CPU when profiling).
      DATABASE_URL: withApplicationName(databaseUrl, 'bench-identity'),
      SERVICE_SCHEMA: schema,
      // All load comes from one IP here; in production it comes from many.
      LOGIN_IP_MAX_FAILURES: '10000',
    }),
  );
  children.push(
    startTs('services/api-gateway/src/main.ts', {
      ...common,
      PORT: String(GATEWAY_PORT),
      HOST: '127.0.0.1',
      RATE_LIMIT_ENABLED: 'false',
      READY_SERVICES: 'identity',
      REDIS_KEY_PREFIX: `bench${id}:`,
    }),
  );
  const echoEnv = { NATS_URL: nats.url, ECHO_SUBJECT: `bench.echo.${id}`, PORT: String(ECHO_PORT) };
  children.push(startTs('bench/gateway/echoCeiling.ts', { ...echoEnv }));
  // argv cannot be passed through startTs; the responder is selected by a second entry file.
  children.push(startTs('bench/gateway/echoResponder.ts', echoEnv));
  const gateway = `http://127.0.0.1:${GATEWAY_PORT}`;
  await waitForOk(`${gateway}/readyz`);
  await waitForOk(`http://127.0.0.1:${ECHO_PORT}/healthz`);

  // Many users, as in production: one account's stream under 50 concurrent writers would measure
  // optimistic-concurrency conflicts, and one account's logins would trip its brute-force throttle.
  // Paced: identity hashes a few passwords at a time and sheds the rest with 503 + Retry-After, so
  // a few workers sign the users up one after another (retrying a shed request) instead of all at once.
  const password = 'benchmark passphrase 2026!';
  const users: Array<{ email: string; authorization: string }> = [];
  let nextIndex = 0;
  const signUp = async () => {
    for (let i = nextIndex++; i < USERS; i = nextIndex++) {
      const email = `bench-${id}-${i}@example.test`;
      await postPaced(`${gateway}/auth/register`, { email, password, displayName: `Bench ${i}` });
      const { tokens } = (await postPaced(`${gateway}/auth/login`, { email, password })) as {
        tokens: { accessToken: string };
      };
      users[i] = { email, authorization: `Bearer ${tokens.accessToken}` };
    }
  };
  await Promise.all(Array.from({ length: 4 }, signUp));
  let turn = 0;
  const nextUser = () => users[turn++ % users.length]!;
  const auth = () => ({ authorization: nextUser().authorization });

  const results: Record<'raw' | 'getMe' | 'patchMe' | 'login', LoadResult[]> = {
    raw: [],
    getMe: [],
    patchMe: [],
    login: [],
  };
  let n = 0;
  for (let run = 1; run <= RUNS; run++) {
    if (measures('raw')) {
      results.raw.push(await load({ url: `http://127.0.0.1:${ECHO_PORT}/echo`, seconds: SECONDS }));
    }
    if (measures('getMe')) {
      results.getMe.push(await load({ url: `${gateway}/me`, perRequestHeaders: auth, seconds: SECONDS }));
    }
    if (measures('patchMe')) {
      results.patchMe.push(
        await load({
          url: `${gateway}/me`,
          method: 'PATCH',
          perRequestHeaders: auth,
          body: () => JSON.stringify({ displayName: `Bench ${n++}` }),
          seconds: SECONDS,
        }),
      );
    }
    if (measures('login')) {
      results.login.push(
        await load({
          url: `${gateway}/auth/login`,
          method: 'POST',
          body: () => JSON.stringify({ email: nextUser().email, password }),
          seconds: SECONDS,
        }),
      );
    }
    console.log(
      `run ${run}/${RUNS}: raw ${rps(results.raw)} · GET /me ${rps(results.getMe)} · PATCH /me ${rps(results.patchMe)} · login ${rps(results.login)}`,
    );
  }
  if (ONLY !== undefined) console.log('BENCH_ONLY set: results not written to bench/RESULTS.md');
  else
    await writeGatewayResults({
      results,
      seconds: SECONDS,
      cores: cpus().length,
      argon2: 'argon2id, m=19456 KiB, t=2, p=1 (identity defaults)',
    });
} finally {
  for (const child of children.reverse()) await child.stop();
  await nats.stop();
  const pool = await testPool(2);
  await dropServiceSchemas(pool, schema);
  await pool.end();
}

function withApplicationName(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set('application_name', name);
  return parsed.toString();
}

function rps(list: LoadResult[]): string {
  return `${Math.round(median(list.map((r) => r.requestsPerSecond)))} req/s`;
}

/** A JSON POST; a 503 (the service shed the request under load) is retried after its Retry-After. */
async function postPaced(url: string, body: unknown): Promise<unknown> {
  for (let attempt = 0; ; attempt++) {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (response.status === 503 && attempt < 20) {
      await response.arrayBuffer();
      const seconds = Number(response.headers.get('retry-after')) || 1;
      await new Promise((resolve) => setTimeout(resolve, Math.min(seconds, 2) * 1000));
      continue;
    }
    if (!response.ok) throw new Error(`${url}: ${response.status} ${await response.text()}`);
    return response.json();
  }
}
