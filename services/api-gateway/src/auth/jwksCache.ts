import type { jwkSchema } from '@ledgerline/contracts';
import { type CryptoKey, importJWK } from 'jose';
import type { z } from 'zod';

export type Jwk = z.infer<typeof jwkSchema>;

export interface JwksCacheOptions {
  /** Fetches the current key set (identity.qry.GetJwks over NATS). */
  readonly fetchKeys: () => Promise<readonly Jwk[]>;
  /** Keys older than this are refetched before use (rotation publishes new keys ahead of use). */
  readonly maxAgeMs: number;
  /** An unknown `kid` triggers a refetch at most this often, so forged kids cannot flood identity. */
  readonly minRefreshIntervalMs: number;
  readonly now?: () => number;
}

/**
 * Identity's public signing keys, cached in memory. Refreshed when stale and when a token names a
 * `kid` we do not know (a rotation happened), with one fetch in flight at a time.
 */
export class JwksCache {
  private keys = new Map<string, CryptoKey>();
  private published: readonly Jwk[] = [];
  private fetchedAt = Number.NEGATIVE_INFINITY;
  private inFlight: Promise<void> | undefined;
  private readonly now: () => number;
  /** Incremented whenever the key set changes, so dependants can drop what they derived from it. */
  generation = 0;

  constructor(private readonly options: JwksCacheOptions) {
    this.now = options.now ?? Date.now;
  }

  /** The verification key for `kid`, or undefined when identity does not publish it. */
  async keyFor(kid: string): Promise<CryptoKey | undefined> {
    if (this.isStale()) await this.refreshKeepingOld();
    const known = this.keys.get(kid);
    if (known) return known;
    if (this.now() - this.fetchedAt < this.options.minRefreshIntervalMs) return undefined;
    await this.refresh();
    return this.keys.get(kid);
  }

  /** The published key set, as served at /.well-known/jwks.json. */
  async jwks(): Promise<{ keys: readonly Jwk[] }> {
    if (this.isStale()) await this.refresh();
    return { keys: this.published };
  }

  private isStale(): boolean {
    return this.now() - this.fetchedAt >= this.options.maxAgeMs;
  }

  // With keys in hand, a failed background refresh keeps serving them (identity may be restarting).
  private async refreshKeepingOld(): Promise<void> {
    try {
      await this.refresh();
    } catch (error) {
      if (this.keys.size === 0) throw error;
    }
  }

  private refresh(): Promise<void> {
    this.inFlight ??= this.load().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async load(): Promise<void> {
    const jwks = await this.options.fetchKeys();
    const entries = await Promise.all(
      jwks.map(async (jwk) => [jwk.kid, (await importJWK(jwk, 'EdDSA')) as CryptoKey] as const),
    );
    const changed = jwks.map((k) => k.kid).join() !== this.published.map((k) => k.kid).join();
    this.keys = new Map(entries);
    this.published = jwks;
    this.fetchedAt = this.now();
    if (changed) this.generation++;
  }
}

export interface JwksWarmUpOptions {
  readonly logger: { warn(fields: object, message: string): void };
  /** Pause between attempts while identity does not answer. */
  readonly retryMs?: number;
  /** Identity starting a little after the gateway is normal: warn once, only when it takes this long. */
  readonly warnAfterMs?: number;
  readonly now?: () => number;
}

export interface JwksWarmUp {
  /** Settles after the first attempt (the first authenticated request then does not wait). */
  readonly firstAttempt: Promise<void>;
  /** Resolves true once the keys are in, false when stopped before. */
  readonly done: Promise<boolean>;
  stop(): void;
}

/**
 * Loads the key set in the background until identity answers. Retries silently; when the keys are
 * still missing after `warnAfterMs`, one warning without a stack names the reason.
 */
export function warmUpJwks(cache: Pick<JwksCache, 'jwks'>, options: JwksWarmUpOptions): JwksWarmUp {
  const { logger, retryMs = 1_000, warnAfterMs = 15_000, now = Date.now } = options;
  const started = now();
  let stopped = false;
  let warned = false;
  let wake: (() => void) | undefined;
  let timer: NodeJS.Timeout | undefined;
  let firstSettled: () => void = () => undefined;
  const firstAttempt = new Promise<void>((resolve) => {
    firstSettled = resolve;
  });
  const pause = () =>
    new Promise<void>((resolve) => {
      wake = resolve;
      timer = setTimeout(resolve, retryMs);
      timer.unref();
    });
  const done = (async () => {
    while (!stopped) {
      try {
        await cache.jwks();
        return true;
      } catch (error) {
        if (!warned && now() - started >= warnAfterMs) {
          warned = true;
          const reason = error instanceof Error ? error.message : String(error);
          logger.warn(
            { reason },
            'JWKS not available yet (is identity running?); retrying in the background',
          );
        }
      } finally {
        firstSettled();
      }
      if (!stopped) await pause();
    }
    return false;
  })();
  return {
    firstAttempt,
    done,
    stop: () => {
      stopped = true;
      clearTimeout(timer);
      wake?.();
    },
  };
}
