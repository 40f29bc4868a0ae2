import type { AppendResult, MultiAppendResult, StreamAppend } from '../store/types.js';

export interface AppendBatcherOptions {
  /** One append in a transaction of its own (its own outcome: result or error). */
  runOne(append: StreamAppend): Promise<AppendResult>;
  /** Several appends in ONE transaction: all commit or none does. */
  runMany(appends: StreamAppend[]): Promise<MultiAppendResult>;
  /** Transactions in flight at once; appends arriving beyond that wait and share the next one. */
  maxInFlight: number;
  /** Appends per shared transaction at most. */
  maxBatch?: number;
  /**
   * Runs work done for appends that waited: it runs after another caller's transaction, in that
   * caller's async context, which is not theirs (the store runs it outside every trace).
   */
  detach?: <T>(work: () => T) => T;
}

interface Waiting {
  append: StreamAppend;
  resolve(result: AppendResult): void;
  reject(error: unknown): void;
}

/**
 * Group commit for appends of independent commands. While fewer than `maxInFlight` transactions
 * run, an append goes at once in a transaction of its own (nothing changes for a quiet service).
 * Beyond that, appends wait, and each transaction that finishes takes every waiting append (of
 * distinct streams) into ONE transaction: one BEGIN/COMMIT, one WAL flush and one write of the
 * inline projections for all of them, which is what makes commands cheap under load (PATCH /me).
 *
 * A shared transaction is all or nothing, but commands are not: when it fails (a stale expected
 * version, a reservation taken, a lost connection), every append in it is run again on its own,
 * so each caller gets exactly the outcome it would have had alone. Appends are sorted by stream so
 * two shared transactions lock rows in the same order (no deadlock between them).
 */
export class AppendBatcher {
  private readonly waiting: Waiting[] = [];
  private inFlight = 0;
  private readonly maxBatch: number;
  private readonly detach: <T>(work: () => T) => T;

  constructor(private readonly options: AppendBatcherOptions) {
    this.maxBatch = options.maxBatch ?? 64;
    this.detach = options.detach ?? ((work) => work());
  }

  append(append: StreamAppend): Promise<AppendResult> {
    if (this.inFlight < this.options.maxInFlight && this.waiting.length === 0) {
      return this.track(this.options.runOne(append));
    }
    return new Promise((resolve, reject) => {
      this.waiting.push({ append, resolve, reject });
    });
  }

  private async track<T>(work: Promise<T>): Promise<T> {
    this.inFlight++;
    try {
      return await work;
    } finally {
      this.inFlight--;
      this.next();
    }
  }

  private next(): void {
    while (this.inFlight < this.options.maxInFlight && this.waiting.length > 0) {
      void this.track(this.runBatch(this.takeBatch()));
    }
  }

  /** Up to maxBatch waiting appends, at most one per stream (a second one waits for the next batch). */
  private takeBatch(): Waiting[] {
    const streams = new Set<string>();
    const batch: Waiting[] = [];
    for (let i = 0; i < this.waiting.length && batch.length < this.maxBatch; ) {
      const item = this.waiting[i]!;
      if (streams.has(item.append.streamId)) {
        i++;
        continue;
      }
      streams.add(item.append.streamId);
      batch.push(item);
      this.waiting.splice(i, 1);
    }
    return batch.sort((a, b) => (a.append.streamId < b.append.streamId ? -1 : 1));
  }

  private async runBatch(batch: Waiting[]): Promise<void> {
    const alone = (w: Waiting) =>
      settle(
        w,
        this.detach(() => this.options.runOne(w.append)),
      );
    if (batch.length === 1) return alone(batch[0]!);
    let shared: MultiAppendResult;
    try {
      shared = await this.detach(() => this.options.runMany(batch.map((w) => w.append)));
    } catch {
      await Promise.all(batch.map(alone));
      return;
    }
    for (const [i, waiting] of batch.entries()) {
      const own = shared.streams[i]!;
      waiting.resolve(shared.projected ? { ...own, projected: shared.projected } : own);
    }
  }
}

const settle = (waiting: Waiting, work: Promise<AppendResult>): Promise<void> =>
  work.then(waiting.resolve, waiting.reject);
