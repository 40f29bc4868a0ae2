import { existsSync } from 'node:fs';
import { createConnection } from 'node:net';

/** Where the real infrastructure for a test run lives. */
export interface Infrastructure {
  databaseUrl: string;
  natsUrl: string;
  redisUrl: string;
  /** How each URL was found: env, testcontainers or localhost. */
  source: Record<'postgres' | 'nats' | 'redis', 'env' | 'testcontainers' | 'localhost'>;
}

const LOCAL = {
  postgres: 'postgres://postgres@127.0.0.1:5432/postgres',
  nats: 'nats://127.0.0.1:4222',
  redis: 'redis://127.0.0.1:6379',
} as const;

let resolved: Promise<Infrastructure> | undefined;

/**
 * Resolves Postgres, NATS and Redis once per test process: an env URL (DATABASE_URL, NATS_URL,
 * REDIS_URL) wins; else containers when a Docker daemon answers; else the localhost defaults.
 * Fails with one message naming everything that does not answer.
 */
export function infrastructure(): Promise<Infrastructure> {
  resolved ??= resolve();
  return resolved;
}

async function resolve(): Promise<Infrastructure> {
  const env = process.env;
  const docker = !(env.DATABASE_URL && env.NATS_URL && env.REDIS_URL) && dockerAvailable();
  const containers = docker ? await import('./containers.js').then((m) => m.startContainers()) : undefined;
  const pick = (key: 'postgres' | 'nats' | 'redis', envValue: string | undefined) =>
    envValue
      ? { url: envValue, source: 'env' as const }
      : containers
        ? { url: containers[key], source: 'testcontainers' as const }
        : { url: LOCAL[key], source: 'localhost' as const };
  const postgres = pick('postgres', env.DATABASE_URL);
  const nats = pick('nats', env.NATS_URL);
  const redis = pick('redis', env.REDIS_URL);
  const missing = (
    await Promise.all(
      [
        ['PostgreSQL', postgres.url],
        ['NATS', nats.url],
        ['Redis', redis.url],
      ].map(async ([name, url]) => ((await answers(url!)) ? undefined : `${name} at ${url}`)),
    )
  ).filter(Boolean);
  if (missing.length > 0) {
    throw new Error(
      `test infrastructure not reachable: ${missing.join(', ')}. Start the local services ` +
        '(scripts/ensure-infra.sh), run `docker compose up -d postgres nats redis`, or set DATABASE_URL/NATS_URL/REDIS_URL.',
    );
  }
  return {
    databaseUrl: postgres.url,
    natsUrl: nats.url,
    redisUrl: redis.url,
    source: { postgres: postgres.source, nats: nats.source, redis: redis.source },
  };
}

function dockerAvailable(): boolean {
  return Boolean(process.env.DOCKER_HOST) || existsSync('/var/run/docker.sock');
}

/** True when a TCP connection to the URL's host and port opens within a second. */
export function answers(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolvePromise) => {
    const socket = createConnection({ host: hostname, port: Number(port), timeout: 1000 });
    const finish = (ok: boolean) => {
      socket.destroy();
      resolvePromise(ok);
    };
    socket.once('connect', () => finish(true));
    socket.once('timeout', () => finish(false));
    socket.once('error', () => finish(false));
  });
}
