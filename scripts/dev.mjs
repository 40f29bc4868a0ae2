// `npm run dev`: checks the infrastructure from .env, migrates, then runs every service in watch
// mode through turbo. Ctrl-C stops the whole process tree and waits for it.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { checkNats, checkPostgres, checkRedis, checkSmtp } from './dev/checkInfra.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const STOP_TIMEOUT_MS = 15_000;

// Variables already in the environment win over .env (process.loadEnvFile does not override).
if (existsSync(`${root}.env`)) process.loadEnvFile(`${root}.env`);
const env = process.env;
env.NODE_ENV ??= 'development';
const urls = {
  postgres: env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres',
  nats: env.NATS_URL || 'nats://127.0.0.1:4222',
  redis: env.REDIS_URL || 'redis://127.0.0.1:6379',
  smtp: env.SMTP_URL || 'smtp://127.0.0.1:1025',
};
const gatewayUrl = (env.PUBLIC_URL || `http://localhost:${env.PORT || 3000}`).replace(/\/$/, '');
const mailUrl = env.MAILPIT_UI_URL || 'http://localhost:8025';

const turbo = `${root}node_modules/.bin/turbo`;

await checkInfrastructure();
// Generated code first (identity's Prisma client): the migrate step loads the service manifests.
await run(turbo, ['run', 'generate', '--output-logs=errors-only'], 'code generation failed');
await run(process.execPath, ['tools/ops/bin/ledgerline.js', 'migrate'], 'migrations failed');
await runServices();

async function checkInfrastructure() {
  const [postgres, nats, redis, smtp] = await Promise.all([
    checkPostgres(urls.postgres),
    checkNats(urls.nats),
    checkRedis(urls.redis),
    checkSmtp(urls.smtp),
  ]);
  const missing = [
    postgres && `PostgreSQL at ${redact(urls.postgres)}: ${postgres}`,
    nats && `NATS with JetStream at ${redact(urls.nats)}: ${nats}`,
    redis && `Redis at ${redact(urls.redis)}: ${redis}`,
  ].filter(Boolean);
  if (missing.length > 0) {
    console.error(
      [
        'npm run dev: infrastructure missing:',
        ...missing.map((m) => `  - ${m}`),
        'Start it with `docker compose up -d postgres nats redis minio mailpit`, or run the local services',
        '(postgres, nats-server -js, redis-server) and point DATABASE_URL / NATS_URL / REDIS_URL in .env at them.',
      ].join('\n'),
    );
    process.exit(1);
  }
  if (smtp)
    console.warn(`npm run dev: no SMTP server at ${redact(urls.smtp)} (${smtp}): e-mails will be retried`);
}

function run(command, args, failure) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, env, stdio: 'inherit' });
    child.on('exit', (code, signal) => {
      if (code === 0) return resolve();
      console.error(`npm run dev: ${failure} (${signal ?? `exit code ${code}`})`);
      process.exit(code || 1);
    });
  });
}

async function runServices() {
  // Its own process group, so a stop reaches turbo and every watcher under it, and nothing else.
  const child = spawn(turbo, ['run', 'dev', '--filter=./services/*', '--env-mode=loose', '--ui=stream'], {
    cwd: root,
    env,
    stdio: 'inherit',
    detached: true,
  });
  let stopping = false;
  const stop = (signal) => {
    if (stopping) return;
    stopping = true;
    console.log(`\nnpm run dev: stopping the services (${signal})…`);
    signalGroup(child.pid, 'SIGINT');
    setTimeout(() => signalGroup(child.pid, 'SIGKILL'), STOP_TIMEOUT_MS).unref();
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  void announceWhenReady(() => stopping);
  const code = await new Promise((resolve) => child.on('exit', (c) => resolve(c ?? 1)));
  // Watchers that outlived turbo would be orphans: the group gets a last signal.
  signalGroup(child.pid, 'SIGTERM');
  process.exit(stopping ? 0 : code);
}

function signalGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is gone already.
  }
}

async function announceWhenReady(stopped) {
  const deadline = Date.now() + 120_000;
  while (!stopped() && Date.now() < deadline) {
    const up = await fetch(`${gatewayUrl}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) break;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
  if (stopped()) return;
  console.log(
    [
      '',
      'Ledgerline is running:',
      `  gateway       ${gatewayUrl}`,
      `  API docs      ${gatewayUrl}/docs`,
      `  mail catcher  ${mailUrl} (Mailpit)`,
      'Ctrl-C stops everything.',
      '',
    ].join('\n'),
  );
}

function redact(url) {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url;
  }
}
