import type { MultiAppendResult, StreamAppend } from '../store/types.js';

export interface AppendBatcherOptions {
  /** Appends in ONE transaction: all commit or none does; one result per append, in order. */
  run(appends: StreamAppend[]): Promise<MultiAppendResult>;
  /** Transactions in flight at once; commands arriving beyond that wait and share the next one. */
  maxInFlight: number;
  /** Stream appends per shared transaction at most (a larger command still runs, alone). */
  maxBatch?: number;
  /**
   * Runs work done for commands that waited: it runs after another caller's transaction, in that
   * caller's async context, which is not theirs (the store runs it outside every trace).
   */
  detach?: <T>(work: () => T) => T;
}

interface Waiting {
  /** One command's appends: they commit together or not at all. */
  unit: StreamAppend[];
  resolve(result: MultiAppendResult): void;
  reject(error: unknown): void;
}

/**
 * Group commit for the appends of independent commands. While fewer than `maxInFlight`
 * transactions run, a command's appends go at once in a transaction of their own (nothing changes
 * for a quiet service). Beyond that, commands wait, and each transaction that finishes takes every
 * waiting command whose streams no other command in the batch touches into ONE transaction: one
 * BEGIN/COMMIT, one WAL flush and one write of the inline projections for all of them, which is
 * what makes commands cheap under load (PATCH /me, POST /files/uploads). A command is a unit: a
 * single-stream append, or a multi-stream one (an upload and its owner's storage account).
 *
 * A shared transaction is all or nothing, but commands are not: when it fails (a stale expected
 * version, a reservation taken, a lost connection), every command in it runs again on its own, so
 * each caller gets exactly the outcome it would have had alone. The shared transaction appends in
 * stream order, so two of them lock rows in the same order (no deadlock between them).
 */
export class AppendBatcher {
  private readonly waiting: Waiting[] = [];
  private inFlight = 0;
  /** Streams a running transaction appends to: a later append to one waits for it to end. */
  private readonly busy = new Map<string, number>();
  private readonly maxBatch: number;
  private readonly detach: <T>(work: () => T) => T;

  constructor(private readonly options: AppendBatcherOptions) {
    this.maxBatch = options.maxBatch ?? 64;
    this.detach = options.detach ?? ((work) => work());
  }

  /** Appends one command's streams atomically: at once, or in the next shared transaction. */
  append(unit: StreamAppend[]): Promise<MultiAppendResult> {
    if (this.inFlight < this.options.maxInFlight && this.waiting.length === 0 && !this.touchesBusy(unit)) {
      return this.track(unit, () => this.options.run(unit));
    }
    return new Promise((resolve, reject) => {
      this.waiting.push({ unit, resolve, reject });
      this.next(); // a free slot takes it now if none of its streams is in flight
    });
  }

  private async track<T>(streams: StreamAppend[], work: () => Promise<T>): Promise<T> {
    this.inFlight++;
    for (const { streamId } of streams) this.busy.set(streamId, (this.busy.get(streamId) ?? 0) + 1);
    try {
      return await work();
    } finally {
      this.inFlight--;
      for (const { streamId } of streams) {
        const left = this.busy.get(streamId)! - 1;
        if (left === 0) this.busy.delete(streamId);
        else this.busy.set(streamId, left);
      }
      this.next();
    }
  }

  private touchesBusy(unit: StreamAppend[]): boolean {
    return this.busy.size > 0 && unit.some((a) => this.busy.has(a.streamId));
  }

  private next(): void {
    while (this.inFlight < this.options.maxInFlight && this.waiting.length > 0) {
      const batch = this.takeBatch();
      if (batch.length === 0) return; // every waiting command appends to a stream in flight
      void this.track(
        batch.flatMap((w) => w.unit),
        () => this.runBatch(batch),
      );
    }
  }

  /**
   * Waiting commands in arrival order, up to maxBatch stream appends, none sharing a stream with an
   * earlier one in the batch or with a running transaction (that one waits for a later batch, so
   * its expected version, which may count on the earlier append, holds).
   */
  private takeBatch(): Waiting[] {
    const taken = new Set<string>();
    // Streams of a running transaction or of a command left waiting: later commands on them wait too.
    const blocked = new Set<string>(this.busy.keys());
    const batch: Waiting[] = [];
    for (let i = 0; i < this.waiting.length && taken.size < this.maxBatch; ) {
      const item = this.waiting[i]!;
      const ids = item.unit.map((a) => a.streamId);
      const fits = batch.length === 0 || taken.size + ids.length <= this.maxBatch;
      if (!fits || ids.some((id) => taken.has(id) || blocked.has(id))) {
        for (const id of ids) blocked.add(id);
        i++;
        continue;
      }
      for (const id of ids) taken.add(id);
      batch.push(item);
      this.waiting.splice(i, 1);
    }
    return batch;
  }

  private async runBatch(batch: Waiting[]): Promise<void> {
    const alone = (w: Waiting) => this.detach(() => this.options.run(w.unit)).then(w.resolve, w.reject);
    if (batch.length === 1) return alone(batch[0]!);
    // Every append of the batch, in stream order, remembering whose it is.
    const slots = batch
      .flatMap((w, owner) => w.unit.map((append, index) => ({ append, owner, index })))
      .sort((a, b) => (a.append.streamId < b.append.streamId ? -1 : 1));
    let shared: MultiAppendResult;
    try {
      shared = await this.detach(() => this.options.run(slots.map((s) => s.append)));
    } catch {
      await Promise.all(batch.map(alone));
      return;
    }
    const own = batch.map((w) => new Array<MultiAppendResult['streams'][number]>(w.unit.length));
    for (const [n, slot] of slots.entries()) own[slot.owner]![slot.index] = shared.streams[n]!;
    for (const [owner, waiting] of batch.entries()) {
      const streams = own[owner]!;
      const events = streams.flatMap((s) => s.events);
      waiting.resolve(
        shared.projected ? { streams, events, projected: shared.projected } : { streams, events },
      );
    }
  }
}
