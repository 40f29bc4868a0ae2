import type { Pool, PoolClient } from 'pg';
import { quoteIdent } from './sql.js';

/** Cross-process wake-ups are spaced this far apart (each is a pg_notify round trip and transaction). */
const NOTIFY_INTERVAL_MS = 50;

/**
 * Readers are woken at most this often under load: each wake-up costs every reader (relay,
 * reactors, async projectors) a read, and at hundreds of appends a second, reading a few events at
 * a time cost more than the appends. When quiet, the first append wakes them at once.
 */
const WAKE_INTERVAL_MS = 20;

/**
 * One LISTEN connection per store, shared by every subscriber in the process. Notifications
 * only wake readers early; readers still poll, because a late commit of another transaction
 * (or a lost connection) sends nothing they can rely on.
 */
export class PgNotifier {
  private client: PoolClient | undefined;
  private connecting: Promise<void> | undefined;
  private waiters = new Set<() => void>();
  private closed = false;
  private sending = false;
  private sendAgain = false;
  private lastWake = 0;
  private wakeTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly pool: Pool,
    private readonly channel: string,
  ) {}

  /** Resolves on the next notification or after `timeoutMs`, whichever comes first. */
  async wait(timeoutMs: number): Promise<void> {
    if (!this.closed) this.listen().catch(() => undefined);
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.waiters.add(done);
    });
  }

  /**
   * Announces committed appends: wakes this process's readers (at once, or at most every
   * WAKE_INTERVAL_MS under load), and other processes through `pg_notify`, at most one per
   * NOTIFY_INTERVAL_MS (appends in between fold into one trailing notification). Call it after the
   * commit: a NOTIFY inside the append transaction would serialise every appender's commit, and
   * one per append would cost writers a fifth of their rate.
   */
  notifyAppended(): void {
    this.wakeSoon();
    if (this.closed) return;
    if (this.sending) {
      this.sendAgain = true;
      return;
    }
    this.sending = true;
    const send = (): void => {
      this.pool
        .query("SELECT pg_notify($1, '')", [this.channel])
        .catch(() => undefined) // readers poll anyway; a lost wake-up only costs latency
        .then(() => new Promise((resolve) => setTimeout(resolve, NOTIFY_INTERVAL_MS)))
        .finally(() => {
          if (this.sendAgain && !this.closed) {
            this.sendAgain = false;
            send();
          } else this.sending = false;
        });
    };
    send();
  }

  /** Wakes every waiter now (used by stop()). */
  wakeAll(): void {
    for (const waiter of [...this.waiters]) waiter();
  }

  // At once when the last wake-up is older than WAKE_INTERVAL_MS; otherwise once, when it is.
  private wakeSoon(): void {
    if (this.wakeTimer) return;
    const wait = this.lastWake + WAKE_INTERVAL_MS - Date.now();
    const wake = () => {
      this.wakeTimer = undefined;
      this.lastWake = Date.now();
      this.wakeAll();
    };
    if (wait <= 0) wake();
    else this.wakeTimer = setTimeout(wake, wait);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.wakeTimer);
    this.wakeTimer = undefined;
    this.wakeAll();
    await this.connecting?.catch(() => undefined);
    const client = this.client;
    this.client = undefined;
    if (client) {
      await client.query(`UNLISTEN ${quoteIdent(this.channel)}`).catch(() => undefined);
      // Already released (and destroyed) if the connection broke meanwhile.
      try {
        client.release();
      } catch {}
    }
  }

  private listen(): Promise<void> {
    if (this.client) return Promise.resolve();
    this.connecting ??= this.connect().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private async connect(): Promise<void> {
    const client = await this.pool.connect();
    if (this.closed) {
      client.release();
      return;
    }
    client.on('notification', () => this.wakeSoon());
    let dropped = false;
    client.on('error', (error) => {
      // Drop the broken connection (once: a dead socket can report more than one error, and a
      // second release would throw out of this listener); the next wait() listens again and
      // polling covers the gap.
      if (dropped) return;
      dropped = true;
      if (this.client === client) this.client = undefined;
      client.release(error);
    });
    await client.query(`LISTEN ${quoteIdent(this.channel)}`);
    this.client = client;
  }
}
