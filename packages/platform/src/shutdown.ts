/** Something that releases a resource when the process stops. */
export type Closer = () => Promise<void> | void;

interface Entry {
  readonly name: string;
  readonly close: Closer;
}

export interface ShutdownResult {
  readonly name: string;
  readonly ok: boolean;
  readonly error?: unknown;
}

/**
 * Closers run in reverse registration order: a resource registered later (a consumer)
 * usually depends on one registered earlier (its pool), so it must stop first.
 */
export class ShutdownRegistry {
  private entries: Entry[] = [];

  /** Registers a closer; returns a function that unregisters it. */
  onShutdown(name: string, close: Closer): () => void {
    const entry = { name, close };
    this.entries.push(entry);
    return () => {
      this.entries = this.entries.filter((e) => e !== entry);
    };
  }

  /** Runs every closer once, newest first, each bounded by what is left of `timeoutMs`. */
  async shutdownAll(timeoutMs: number): Promise<ShutdownResult[]> {
    const entries = this.entries.reverse();
    this.entries = [];
    const deadline = Date.now() + timeoutMs;
    const results: ShutdownResult[] = [];
    for (const entry of entries) {
      results.push(await runCloser(entry, Math.max(0, deadline - Date.now())));
    }
    return results;
  }

  get size(): number {
    return this.entries.length;
  }
}

async function runCloser(entry: Entry, remainingMs: number): Promise<ShutdownResult> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`closer "${entry.name}" timed out`)), remainingMs);
  });
  try {
    await Promise.race([Promise.resolve().then(entry.close), timeout]);
    return { name: entry.name, ok: true };
  } catch (error) {
    return { name: entry.name, ok: false, error };
  } finally {
    clearTimeout(timer);
  }
}

const processRegistry = new ShutdownRegistry();

/** Registers a closer in the process-wide registry that `createService` runs on shutdown. */
export function onShutdown(name: string, close: Closer): () => void {
  return processRegistry.onShutdown(name, close);
}

/** Runs the process-wide closers newest first within `timeoutMs`; never throws. */
export function shutdownAll(timeoutMs: number): Promise<ShutdownResult[]> {
  return processRegistry.shutdownAll(timeoutMs);
}
