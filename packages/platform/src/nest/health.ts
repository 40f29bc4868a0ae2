import type { HealthCheck, HealthReply } from '@ledgerline/contracts';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Pool } from 'pg';

/** A dependency probe: resolves when the dependency answers, rejects (or times out) otherwise. */
export type HealthProbe = () => Promise<unknown>;

const PROBE_TIMEOUT_MS = 2_000;

/** Probes NATS by a server round trip; a closed or draining connection is not ready. */
export function natsProbe(getConnection: () => NatsConnection): HealthProbe {
  return async () => {
    const nc = getConnection();
    if (nc.isClosed() || nc.isDraining()) throw new Error('connection closed');
    await nc.flush();
  };
}

/** Probes Postgres with `select 1` through the pool (so pool exhaustion shows as not ready). */
export function postgresProbe(pool: Pool): HealthProbe {
  return async () => {
    await pool.query('select 1');
  };
}

/** Runs every probe in parallel, each bounded by a timeout, and reports latency or the error. */
export async function runHealthChecks(
  service: string,
  probes: Readonly<Record<string, HealthProbe>>,
  timeoutMs = PROBE_TIMEOUT_MS,
): Promise<HealthReply & { ready: boolean }> {
  const entries = await Promise.all(
    Object.entries(probes).map(async ([name, probe]) => [name, await timed(probe, timeoutMs)] as const),
  );
  const checks = Object.fromEntries(entries);
  const ready = entries.every(([, check]) => check.ok);
  // "degraded" = answering but a dependency is down; a service too broken to answer says nothing.
  return { service, status: ready ? 'ok' : 'degraded', checks, ready };
}

async function timed(probe: HealthProbe, timeoutMs: number): Promise<HealthCheck> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([probe(), timeout]);
    return { ok: true, latencyMs: elapsed(started) };
  } catch (error) {
    return {
      ok: false,
      latencyMs: elapsed(started),
      error: error instanceof Error ? error.message : String(error),
    };
  } finally {
    clearTimeout(timer);
  }
}

const elapsed = (started: number): number => Math.round((performance.now() - started) * 100) / 100;
