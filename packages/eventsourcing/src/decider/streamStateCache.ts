import { LRUCache } from 'lru-cache';

/**
 * Folded states of recently used streams with the version they reflect, so a command reads only
 * the events appended since (usually none) instead of replaying the whole stream. Always correct:
 * events are immutable and append-only, so a stale entry just means more events to fold. States
 * are shared, so evolve must return new states rather than mutate them (deciders are pure).
 * Least-recently-used eviction is lru-cache's (a maintained library, not a hand-kept Map).
 */
export class StreamStateCache<State> {
  private readonly entries: LRUCache<string, { state: State; version: number }>;

  constructor(maxEntries = 10_000) {
    this.entries = new LRUCache({ max: maxEntries });
  }

  /** The cached state and version of a stream, marked as recently used. */
  get(streamId: string): { state: State; version: number } | undefined {
    return this.entries.get(streamId);
  }

  /** Remembers a stream's state at a version, evicting the least recently used beyond the limit. */
  set(streamId: string, state: State, version: number): void {
    this.entries.set(streamId, { state, version });
  }

  get size(): number {
    return this.entries.size;
  }
}
