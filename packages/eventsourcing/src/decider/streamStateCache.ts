/**
 * Folded states of recently used streams with the version they reflect, so a command reads only
 * the events appended since (usually none) instead of replaying the whole stream. Always correct:
 * events are immutable and append-only, so a stale entry just means more events to fold. States
 * are shared, so evolve must return new states rather than mutate them (deciders are pure).
 */
export class StreamStateCache<State> {
  private readonly entries = new Map<string, { state: State; version: number }>();

  constructor(private readonly maxEntries = 10_000) {}

  /** The cached state and version of a stream, marked as recently used. */
  get(streamId: string): { state: State; version: number } | undefined {
    const entry = this.entries.get(streamId);
    if (entry) {
      this.entries.delete(streamId);
      this.entries.set(streamId, entry);
    }
    return entry;
  }

  /** Remembers a stream's state at a version, evicting the least recently used beyond the limit. */
  set(streamId: string, state: State, version: number): void {
    this.entries.delete(streamId);
    this.entries.set(streamId, { state, version });
    if (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
  }

  get size(): number {
    return this.entries.size;
  }
}
