import type { Storage } from './storage.js';

/** A user's storage state at a version of the storage stream (0: no storage event yet). */
export interface StorageSnapshot {
  state: Storage;
  version: number;
}

/**
 * This process's view of its users' storage streams: the last snapshot it read or wrote, and one
 * queue per user. A request appends at the remembered version, so the common case costs no read;
 * the stream's expected version stays the proof (a stale snapshot is a conflict, never an
 * overshoot). The queue makes one user's concurrent requests in this process take turns instead
 * of each losing a race on the version and retrying: the lock the database used to hold, for free.
 */
export class StorageAccounts {
  private readonly known = new Map<string, StorageSnapshot>();
  private readonly tails = new Map<string, Promise<unknown>>();

  constructor(private readonly capacity = 10_000) {}

  /** The remembered snapshot, if any. */
  get(userId: string): StorageSnapshot | undefined {
    return this.known.get(userId);
  }

  remember(userId: string, snapshot: StorageSnapshot): void {
    this.known.delete(userId); // re-inserted last: the Map's order is the eviction order
    this.known.set(userId, snapshot);
    if (this.known.size > this.capacity) this.known.delete(this.known.keys().next().value!);
  }

  forget(userId: string): void {
    this.known.delete(userId);
  }

  /** Runs `work` after every earlier `work` of the same user in this process has settled. */
  inTurn<T>(userId: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(userId) ?? Promise.resolve();
    const run = previous.then(work, work);
    const tail = run.catch(() => undefined);
    this.tails.set(userId, tail);
    void tail.then(() => {
      if (this.tails.get(userId) === tail) this.tails.delete(userId);
    });
    return run;
  }
}
