// `npm run dev` and `turbo dev` (turbo.json's root task `//#dev` runs this same script with the whole
// environment): loads .env, checks the infrastructure (starting the compose one when a Docker engine
// answers), generates code, migrates, runs every service in watch mode, and prints the banner once
// the gateway's /readyz?full is green. Ctrl-C stops every service and waits for them. The gateway
// runs twice: the API on PORT, and the Stripe webhook ingress (WEBHOOKS_ONLY=true) on WEBHOOKS_PORT.
import { spawn, spawnSync } from 'node:child_process';
import { delimiter } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { loadDotEnv } from '../tools/ops/bin/loadEnv.js';
import { checkNats, checkPostgres, checkRedis, checkSmtp } from './dev/checkInfra.mjs';
import {
  COMPOSE_SERVICES,
  composeCanProvide,
  devServices,
  readinessOf,
  redact,
  runningBanner,
} from './dev/startup.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const STOP_TIMEOUT_MS = 15_000;
const INFRA_WAIT_MS = 90_000;
const READY_TIMEOUT_MS = Number(process.env.DEV_READY_TIMEOUT_SECONDS || 120) * 1000;
const me = process.env.TURBO_HASH ? 'turbo dev' : 'npm run dev';

// Variables already in the environment win over .env.
loadDotEnv();
const env = process.env;
env.NODE_ENV ??= 'development';
const urls = {
  postgres: env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres',
  nats: env.NATS_URL || 'nats://127.0.0.1:4222',
  redis: env.REDIS_URL || 'redis://127.0.0.1:6379',
  smtp: env.SMTP_URL || 'smtp://127.0.0.1:1025',
};
const gatewayUrl = `http://localhost:${env.PORT || 3000}${env.ROOT_PATH || ''}`;
// The webhook ingress's own port, as its own Deployment has in production (3001 is compose's Grafana).
const webhooksPort = env.WEBHOOKS_PORT || '3002';
const webhooksUrl = `http://localhost:${webhooksPort}${env.ROOT_PATH || ''}`;
// The ingress refuses to start without a signing secret; this one is for local deliveries only
// (`stripe listen` prints its own: put that in .env as STRIPE_WEBHOOK_SECRETS).
const DEV_WEBHOOK_SECRET = 'whsec_ledgerline_dev';
const turbo = `${root}node_modules/.bin/turbo`;

await checkInfrastructure();
// Generated code first (identity's Prisma client, once): the migrate step loads the service manifests.
await run(turbo, ['run', 'generate', '--output-logs=errors-only'], 'code generation failed', { quiet: true });
await run(process.execPath, ['tools/ops/bin/ledgerline.js', 'migrate'], 'migrations failed');
await runServices();

async function checkInfrastructure() {
  const smtp = checkSmtp(urls.smtp);
  let missing = await missingInfrastructure();
  // Only a warning: the notifier retries e-mails until a server answers.
  const smtpProblem = await smtp;
  if (smtpProblem)
    console.warn(`${me}: no SMTP server at ${redact(urls.smtp)} (${smtpProblem}): e-mails will be retried`);
  const kinds = missing.map((m) => m.kind);
  // Compose helps only where it publishes its services: this machine, the default ports.
  const compose = composeCanProvide(kinds, urls) ? dockerCompose() : undefined;
  if (compose) {
    const command = [...compose, '-p', 'ledgerline', 'up', '-d', ...COMPOSE_SERVICES];
    console.log(`${me}: ${kinds.join(', ')} not answering; a Docker engine does: ${command.join(' ')}`);
    await run(command[0], command.slice(1), 'starting the compose infrastructure failed');
    console.log(`${me}: waiting for the compose infrastructure to answer…`);
    missing = await waitForInfrastructure();
  }

  if (missing.length > 0) {
    console.error(
      [
        `${me}: infrastructure missing:`,
        ...missing.map((m) => `  - ${m.text}`),
        'Start it with `docker compose up -d postgres nats redis minio mailpit` (started for you when a Docker',
        'engine answers), or run the local services (postgres, nats-server -js, redis-server) and point',
        'DATABASE_URL / NATS_URL / REDIS_URL in .env at them.',
      ].join('\n'),
    );
    process.exit(1);
  }
}

async function missingInfrastructure() {
  const [postgres, nats, redis] = await Promise.all([
    checkPostgres(urls.postgres),
    checkNats(urls.nats),
    checkRedis(urls.redis),
  ]);
  return [
    postgres && { kind: 'postgres', text: `PostgreSQL at ${redact(urls.postgres)}: ${postgres}` },
    nats && { kind: 'nats', text: `NATS with JetStream at ${redact(urls.nats)}: ${nats}` },
    redis && { kind: 'redis', text: `Redis at ${redact(urls.redis)}: ${redis}` },
  ].filter(Boolean);
}

async function waitForInfrastructure() {
  const deadline = Date.now() + INFRA_WAIT_MS;
  for (;;) {
    const missing = await missingInfrastructure();
    if (missing.length === 0 || Date.now() > deadline) return missing;
    await sleep(1_000);
  }
}

/** `docker compose` (v2) or `docker-compose` (v1) when a Docker engine answers, else undefined. */
function dockerCompose() {
  const ok = (command, args) => spawnSync(command, args, { stdio: 'ignore', timeout: 15_000 }).status === 0;
  if (!ok('docker', ['info'])) return undefined;
  if (ok('docker', ['compose', 'version'])) return ['docker', 'compose'];
  if (ok('docker-compose', ['version'])) return ['docker-compose'];
  console.warn(
    `${me}: a Docker engine answers, but neither \`docker compose\` nor \`docker-compose\` exists`,
  );
  return undefined;
}

/** Runs a step to completion; `quiet` keeps its output unless it fails. Exits when it fails. */
function run(command, args, failure, { quiet = false } = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      cwd: root,
      env,
      stdio: quiet ? ['ignore', 'pipe', 'pipe'] : 'inherit',
    });
    const output = [];
    child.stdout?.on('data', (chunk) => output.push(chunk));
    child.stderr?.on('data', (chunk) => output.push(chunk));
    child.on('error', (error) => {
      console.error(`${me}: ${failure} (${error.message})`);
      process.exit(1);
    });
    child.on('exit', (code, signal) => {
      if (code === 0) return resolve();
      process.stderr.write(Buffer.concat(output));
      console.error(`${me}: ${failure} (${signal ?? `exit code ${code}`})`);
      process.exit(code || 1);
    });
  });
}

/**
 * The services, plus the gateway a second time as the webhook ingress: the same package and watch
 * script, with WEBHOOKS_ONLY=true on its own port (a .env saying WEBHOOKS_ONLY=true must not turn
 * the API itself into an ingress).
 */
function withWebhookIngress(services) {
  const gateway = services.find((s) => s.name === 'api-gateway');
  if (!gateway) return services;
  const webhooks = {
    ...gateway,
    name: 'webhooks',
    env: {
      WEBHOOKS_ONLY: 'true',
      PORT: webhooksPort,
      STRIPE_WEBHOOK_SECRETS: env.STRIPE_WEBHOOK_SECRETS || DEV_WEBHOOK_SECRET,
    },
  };
  return [...services.map((s) => (s === gateway ? { ...s, env: { WEBHOOKS_ONLY: 'false' } } : s)), webhooks];
}

async function runServices() {
  const services = withWebhookIngress(devServices(root));
  const width = Math.max(...services.map((s) => s.name.length));
  let stopping = false;
  const children = services.map(({ name, dir, script, env: own }) => {
    // The service's `dev` script as npm would run it, but exec'd: the child is the watcher itself, so
    // a stop signals it once and it passes that on to its service (a second SIGINT would make the
    // service quit at once). Its own process group, so a last SIGKILL reaches the watcher and its
    // service, and nothing else.
    const path = [`${dir}/node_modules/.bin`, `${root}node_modules/.bin`, env.PATH].join(delimiter);
    const simple = !/[;&|]/.test(script);
    const child = spawn('/bin/sh', ['-c', simple ? `exec ${script}` : script], {
      cwd: dir,
      env: { ...env, ...own, PATH: path },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const prefix = `${name.padEnd(width)} | `;
    for (const [stream, out] of [
      [child.stdout, process.stdout],
      [child.stderr, process.stderr],
    ]) {
      createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY }).on('line', (line) =>
        out.write(`${prefix}${line}\n`),
      );
    }
    // 'close', not 'exit': a watcher (or a compound script's shell) may leave before the service
    // under it has finished shutting down, whose output still flows through these pipes until then.
    const exited = new Promise((resolve) =>
      child.on('close', (code, signal) => {
        if (!stopping) console.error(`${me}: ${name} exited (${signal ?? `exit code ${code}`})`);
        resolve(code ?? 1);
      }),
    );
    return { name, child, simple, exited };
  });
  const stop = (signal) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${me}: stopping the services (${signal})…`);
    // A compound script (`a && b`) runs under its shell: then its whole group gets the signal.
    for (const { child, simple } of children) {
      if (simple) child.kill('SIGINT');
      else signalGroup(child.pid, 'SIGINT');
    }
    setTimeout(() => {
      for (const { child } of children) signalGroup(child.pid, 'SIGKILL');
    }, STOP_TIMEOUT_MS).unref();
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGHUP', () => stop('SIGHUP'));
  void announceWhenReady(() => stopping);
  const codes = await Promise.all(children.map((c) => c.exited));
  // Processes that outlived their watcher would be orphans: each group gets a last signal.
  for (const { child } of children) signalGroup(child.pid, 'SIGTERM');
  process.exit(stopping ? 0 : Math.max(...codes, 1));
}

function signalGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is gone already.
  }
}

/**
 * Polls /readyz?full, then the webhook ingress's /readyz: the banner once every service answers;
 * past the deadline, says what is not ready.
 */
async function announceWhenReady(stopped) {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let failed = false;
  while (!stopped()) {
    let state = readinessOf(await pollReadiness(`${gatewayUrl}/readyz?full`));
    if (state.ready) {
      const webhooks = await pollReadiness(`${webhooksUrl}/readyz`);
      if (webhooks.status !== 200) {
        const why = webhooks.error ? `not answering (${webhooks.error})` : `answered ${webhooks.status}`;
        state = { ready: false, reason: `webhook ingress at ${webhooksUrl}/readyz ${why}` };
      }
    }
    if (state.ready) {
      if (failed) console.log(`${me}: the cluster became ready after all.`);
      const banner = runningBanner({
        gatewayUrl,
        publicUrl: env.PUBLIC_URL?.replace(/\/$/, ''),
        smtpUrl: urls.smtp,
        mailpitUiUrl: env.MAILPIT_UI_URL,
      });
      const afterGateway = banner.findIndex((line) => line.startsWith('  gateway')) + 1;
      banner.splice(
        afterGateway,
        0,
        `  webhooks      ${webhooksUrl}/webhooks/stripe (stripe listen --forward-to this URL)`,
      );
      console.log(banner.join('\n'));
      return;
    }
    if (!failed && Date.now() > deadline) {
      failed = true;
      console.error(
        [
          '',
          `${me}: start-up FAILED: not ready after ${READY_TIMEOUT_MS / 1000} s: ${state.reason}.`,
          'The services keep running in watch mode (a saved fix restarts them); Ctrl-C stops everything.',
          '',
        ].join('\n'),
      );
    }
    await sleep(failed ? 5_000 : 1_000);
  }
}

async function pollReadiness(url) {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
    const body = await response.json().catch(() => undefined);
    return { status: response.status, body };
  } catch (error) {
    const cause = error?.cause?.code ?? error?.cause?.message ?? error?.message;
    return { error: cause === 'ECONNREFUSED' ? 'connection refused' : String(cause) };
  }
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
