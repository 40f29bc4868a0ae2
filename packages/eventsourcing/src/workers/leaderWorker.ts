import type { Pool, PoolClient } from 'pg';
import { guardPool } from '../postgres/connections.js';
import { tryLockWorker, unlockWorker } from '../projections/locks.js';
import { backoffDelay, sleep } from '../retry/backoff.js';

export type WorkerState = 'running' | 'standby' | 'stopped';

export interface LeaderWorkerOptions {
  pool: Pool;
  service: string;
  /** The advisory-lock name: one process per service runs it, the others wait on standby. */
  worker: string;
  /** Runs while this process holds the lock, on the connection that holds it, until stopping. */
  work(client: PoolClient, stopping: () => boolean): Promise<void>;
  standbyRetryMs?: number;
  retryBaseDelayMs?: number;
  onError?: (error: unknown) => void;
}

/**
 * The loop behind every single-active worker (async projections, the relay): take a connection,
 * hold the service's session advisory lock for the worker (standby until it is free), run the
 * work, and on a broken connection or database outage drop it — and the lock with it — and
 * reconnect with backoff, so another instance can take over meanwhile.
 */
export class LeaderWorker {
  private state: WorkerState = 'stopped';
  private stopping = false;
  private loop: Promise<void> | undefined;

  constructor(private readonly options: LeaderWorkerOptions) {
    guardPool(options.pool);
  }

  get status(): WorkerState {
    return this.state;
  }

  start(): void {
    this.stopping = false;
    this.loop ??= this.run().finally(() => {
      this.loop = undefined;
      this.state = 'stopped';
    });
  }

  /** Stops after the work in flight; resolves when the loop has ended and the lock is released. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.loop;
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      let client: PoolClient | undefined;
      let broken = false;
      try {
        client = await this.options.pool.connect();
        // A dropped connection also emits 'error'; without a listener that would crash the process.
        client.on('error', ignoreConnectionError);
        await this.serve(client);
        failures = 0;
      } catch (error) {
        this.options.onError?.(error);
        broken = true;
        this.state = 'standby';
        await sleep(backoffDelay(++failures, this.options.retryBaseDelayMs ?? 100, 5000));
      } finally {
        client?.off('error', ignoreConnectionError);
        client?.release(broken);
      }
    }
  }

  private async serve(client: PoolClient): Promise<void> {
    const { service, worker } = this.options;
    while (!this.stopping && !(await tryLockWorker(client, service, worker))) {
      this.state = 'standby';
      await sleep(this.options.standbyRetryMs ?? 2000);
    }
    if (this.stopping) return;
    try {
      this.state = 'running';
      await this.options.work(client, () => this.stopping);
    } finally {
      await unlockWorker(client, service, worker).catch(() => undefined);
    }
  }
}

const ignoreConnectionError = (): void => undefined;
