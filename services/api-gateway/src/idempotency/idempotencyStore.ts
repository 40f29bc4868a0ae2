import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/** A response kept for replay. */
export interface StoredResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: unknown;
}

type StoredRecord =
  | { state: 'pending'; fingerprint: string }
  | ({ state: 'done'; fingerprint: string } & StoredResponse);

/** What a request with an Idempotency-Key should do. */
export type BeginOutcome =
  | { kind: 'proceed' }
  | { kind: 'replay'; response: StoredResponse }
  | { kind: 'mismatch' }
  | { kind: 'inFlight' };

/** Same request ⇔ same method, route and body (key order does not matter). */
export function fingerprintOf(method: string, route: string, body: unknown): string {
  return createHash('sha256')
    .update(`${method} ${route}\n${stableJson(body)}`)
    .digest('base64url');
}

/** JSON with object keys sorted, so `{a,b}` and `{b,a}` fingerprint alike. */
export function stableJson(value: unknown): string {
  if (value === undefined) return '';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((v) => stableJson(v ?? null)).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
}

/**
 * Idempotency records in Redis. A key is claimed with SET NX as `pending` for a short lease (a crashed
 * gateway must not block the key for a day), then replaced by the response for the full TTL.
 */
export class IdempotencyStore {
  constructor(
    private readonly redis: Redis,
    private readonly ttlSeconds: number,
    private readonly leaseSeconds: number,
  ) {}

  /** Claims `key` for this request, or says how to answer instead. */
  async begin(key: string, fingerprint: string): Promise<BeginOutcome> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const pending: StoredRecord = { state: 'pending', fingerprint };
      const claimed = await this.redis.set(key, JSON.stringify(pending), 'EX', this.leaseSeconds, 'NX');
      if (claimed === 'OK') return { kind: 'proceed' };
      const raw = await this.redis.get(key);
      // Released or expired between SET and GET: try to claim again.
      if (raw === null) continue;
      const record = JSON.parse(raw) as StoredRecord;
      if (record.fingerprint !== fingerprint) return { kind: 'mismatch' };
      if (record.state === 'pending') return { kind: 'inFlight' };
      const { status, headers, body } = record;
      return { kind: 'replay', response: { status, headers, body } };
    }
    return { kind: 'inFlight' };
  }

  /** Stores the response for replay. */
  async complete(key: string, fingerprint: string, response: StoredResponse): Promise<void> {
    const record: StoredRecord = { state: 'done', fingerprint, ...response };
    await this.redis.set(key, JSON.stringify(record), 'EX', this.ttlSeconds);
  }

  /** Releases a claim whose request failed, so the client can retry with the same key. */
  async release(key: string): Promise<void> {
    await this.redis.del(key);
  }
}
