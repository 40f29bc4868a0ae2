import { LRUCache } from 'lru-cache';
import type { Pool, PoolClient } from 'pg';
import { LookupBatcher } from './lookupBatcher.js';
import { quoteIdent } from './sql.js';

export interface NotifiedCacheOptions<V> {
  pool: Pool;
  /** The channel writers announce changes on, the changed key as payload (see `notifyChanged`). */
  channel: string;
  /** One read for many keys: the value of every key found (absent from the map: not found). */
  load(keys: string[]): Promise<ReadonlyMap<string, V>>;
  /** Keys remembered at most (least recently used go first). */
  max?: number;
  /** A remembered value is read again after this long, notified or not (a change made by hand). */
  ttlMs?: number;
}

/** What a key was found to be: a value, or not found (remembered too: "not found" is an answer). */
interface Entry<V> {
  value: V | undefined;
}

/**
 * Values read from Postgres and remembered for as long as this process hears of every change to
 * them: writers announce a change with `notifyChanged` in the transaction that makes it, and this
 * cache, LISTENing on the channel, forgets the key when the change commits. It remembers nothing
 * while it is not listening (before the LISTEN is up, after its connection broke: then it forgets
 * everything), and never keeps a read that a notification overtook (a generation counter), so a
 * value served from it is at most one notification's delivery behind the database. Misses are
 * read through a LookupBatcher (concurrent misses share one statement).
 *
 * For a hot read on the request path whose rows change rarely (the files service's tier of the
 * uploading user: one statement per request before; measured ~12% of POST /files/uploads).
 */
export class NotifiedCache<V> {
  private readonly entries: LRUCache<string, Entry<V>>;
  private readonly lookups: LookupBatcher<string, V>;
  private client: PoolClient | undefined;
  /** Forgets everything and lets go of the LISTEN connection (see connect). */
  private dropListener: (() => void) | undefined;
  private connecting: Promise<void> | undefined;
  /** Bumped by every notification and every change of the connection: a read that started before is not kept. */
  private generation = 0;
  private closed = false;
  private notifications = 0;

  constructor(private readonly options: NotifiedCacheOptions<V>) {
    this.entries = new LRUCache({ max: options.max ?? 100_000, ttl: options.ttlMs ?? 60_000 });
    this.lookups = new LookupBatcher({ load: options.load });
  }

  /** The key's value (undefined: not found), remembered or read. */
  async get(key: string): Promise<V | undefined> {
    if (this.client === undefined) this.listen().catch(() => undefined); // misses read meanwhile
    const remembered = this.entries.get(key);
    if (remembered !== undefined) return remembered.value;
    const listening = this.client;
    const generation = this.generation;
    const value = await this.lookups.get(key);
    if (listening !== undefined && this.client === listening && this.generation === generation) {
      this.entries.set(key, { value });
    }
    return value;
  }

  /** Whether values are being remembered (the LISTEN connection is up). */
  get isListening(): boolean {
    return this.client !== undefined;
  }

  /** Notifications heard so far (observability, tests). */
  get notificationsHeard(): number {
    return this.notifications;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.connecting?.catch(() => undefined);
    this.dropListener?.();
  }

  private listen(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.connecting ??= this.connect().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private async connect(): Promise<void> {
    const client = await this.options.pool.connect();
    if (this.closed) {
      client.release();
      return;
    }
    let dropped = false;
    const drop = (error?: Error): void => {
      if (dropped) return; // a dead socket can report more than one error
      dropped = true;
      if (this.client === client) {
        this.client = undefined;
        this.dropListener = undefined;
      }
      this.generation++;
      this.entries.clear();
      client.removeAllListeners('notification');
      // Destroyed, not pooled: it is still LISTENing. The next get() listens on a new one.
      client.release(error ?? true);
    };
    client.on('notification', (message) => {
      if (message.channel !== this.options.channel) return;
      this.notifications++;
      this.generation++;
      if (message.payload) this.entries.delete(message.payload);
    });
    client.on('error', drop);
    try {
      await client.query(`LISTEN ${quoteIdent(this.options.channel)}`);
    } catch (error) {
      drop(error instanceof Error ? error : new Error(String(error)));
      throw error;
    }
    // Only now is every later change heard of: values read before this point are not kept.
    this.generation++;
    this.client = client;
    this.dropListener = () => drop();
  }
}

/**
 * Announces that `key` changed, to every NotifiedCache on `channel`, when the transaction `client`
 * is in commits (nothing if it rolls back).
 */
export async function notifyChanged(
  client: { query(text: string, values: unknown[]): Promise<unknown> },
  channel: string,
  key: string,
): Promise<void> {
  await client.query('SELECT pg_notify($1, $2)', [channel, key]);
}
