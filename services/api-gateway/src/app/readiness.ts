import { type HealthCheck, healthQuery } from '@ledgerline/contracts';
import { type NatsConnection, natsRequest, newRootMeta } from '@ledgerline/platform';
import { Inject, Injectable } from '@nestjs/common';
import type { GatewayConfig } from '../config.js';
import { CONFIG, NATS } from './tokens.js';

export interface ReadinessReport {
  ready: boolean;
  checks: Record<string, HealthCheck & { status?: string }>;
}

/**
 * /readyz: the gateway's own dependency (NATS) answers. With `full` (/readyz?full), every configured
 * service must also answer its `<service>.qry.Health`: downstream health is for dashboards, never for
 * the Kubernetes readiness probe (one broken notifier must not take the API out of its endpoints).
 */
@Injectable()
export class Readiness {
  constructor(
    @Inject(NATS) private readonly nc: NatsConnection,
    @Inject(CONFIG) private readonly config: GatewayConfig,
  ) {}

  async check(options: { full?: boolean } = {}): Promise<ReadinessReport> {
    const services = options.full ? this.config.READY_SERVICES : [];
    const entries = await Promise.all([
      this.timed('nats', () => this.natsCheck()),
      ...services.map((service) => this.timed(service, () => this.serviceCheck(service))),
    ]);
    const checks = Object.fromEntries(entries);
    return { ready: entries.every(([, check]) => check.ok), checks };
  }

  private async natsCheck(): Promise<string | undefined> {
    if (this.nc.isClosed() || this.nc.isDraining()) throw new Error('connection closed');
    await withTimeout(this.nc.flush(), this.config.READY_TIMEOUT_MS);
    return undefined;
  }

  private async serviceCheck(service: string): Promise<string> {
    const reply = await natsRequest(
      this.nc,
      healthQuery(service),
      {},
      {
        meta: newRootMeta({ type: 'service', id: 'api-gateway' }),
        timeoutMs: this.config.READY_TIMEOUT_MS,
      },
    );
    // "degraded" still answers requests: ready, but reported.
    return reply.status;
  }

  private async timed(
    name: string,
    probe: () => Promise<string | undefined>,
  ): Promise<[string, HealthCheck & { status?: string }]> {
    const started = performance.now();
    const latencyMs = () => Math.round((performance.now() - started) * 100) / 100;
    try {
      const status = await probe();
      return [name, { ok: true, latencyMs: latencyMs(), ...(status ? { status } : {}) }];
    } catch (error) {
      return [
        name,
        { ok: false, latencyMs: latencyMs(), error: error instanceof Error ? error.message : String(error) },
      ];
    }
  }
}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
