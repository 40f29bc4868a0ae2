export interface LookupBatcherOptions<K, V> {
  /** One read for many keys: the value of every key found (a key absent from the map: not found). */
  load(keys: K[]): Promise<ReadonlyMap<K, V>>;
  /** Reads in flight at once; lookups arriving beyond that wait and share the next read. */
  maxInFlight?: number;
  /** Keys per read at most. */
  maxBatch?: number;
}

interface Waiting<K, V> {
  key: K;
  resolve(value: V | undefined): void;
  reject(error: unknown): void;
}

/**
 * Group reads for a hot lookup by key (the files service's tier of the uploading user): while fewer
 * than `maxInFlight` reads run, a lookup reads at once, alone; beyond that, lookups wait and the
 * next read takes all of them (`WHERE id = ANY($1)`). Under load that turns one statement, one
 * socket write and one wake-up of a Postgres backend per request into one per batch; a quiet
 * service sees no change. Nothing is cached: every lookup is answered by a read that started after
 * it was asked, so it sees every write committed before it.
 */
export class LookupBatcher<K, V> {
  private readonly waiting: Array<Waiting<K, V>> = [];
  private inFlight = 0;
  private readonly maxInFlight: number;
  private readonly maxBatch: number;

  constructor(private readonly options: LookupBatcherOptions<K, V>) {
    this.maxInFlight = options.maxInFlight ?? 2;
    this.maxBatch = options.maxBatch ?? 500;
  }

  get(key: K): Promise<V | undefined> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ key, resolve, reject });
      this.next();
    });
  }

  private next(): void {
    while (this.inFlight < this.maxInFlight && this.waiting.length > 0) {
      const batch = this.waiting.splice(0, this.maxBatch);
      this.inFlight++;
      void this.read(batch).finally(() => {
        this.inFlight--;
        this.next();
      });
    }
  }

  private async read(batch: Array<Waiting<K, V>>): Promise<void> {
    try {
      const found = await this.options.load([...new Set(batch.map((w) => w.key))]);
      for (const waiting of batch) waiting.resolve(found.get(waiting.key));
    } catch (error) {
      for (const waiting of batch) waiting.reject(error);
    }
  }
}
