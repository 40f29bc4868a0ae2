import type { Storage } from './storage.js';

/** A user's storage state at a version of the storage stream (0: no storage event yet). */
export interface StorageSnapshot {
  state: Storage;
  version: number;
}

/**
 * This process's view of its users' storage streams: the last snapshot it read or wrote. A
 * reservation appends at the remembered version, so the common case costs no read; the stream's
 * expected version stays the proof (a stale snapshot is a conflict, never an overshoot). One
 * user's reservations take turns in this process (FilesDeps.reservations), so they do not race on
 * the version either.
 */
export class StorageAccounts {
  private readonly known = new Map<string, StorageSnapshot>();

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
}
