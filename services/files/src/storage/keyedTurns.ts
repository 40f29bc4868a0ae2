/** What one item of a turn came to: its value, or the error it alone is refused with. */
export type Outcome<R> = { value: R } | { error: unknown };

interface Waiting<T, R> {
  item: T;
  resolve(value: R): void;
  reject(error: unknown): void;
}

/**
 * What a turn hands back when its exclusive part is over: the items' outcomes, which may settle
 * later (a reservation turn ends once its append is submitted; the append's result comes after).
 */
export interface TurnResult<R> {
  outcomes: Promise<Array<Outcome<R>>>;
}

/**
 * One turn per key at a time, and everything that arrived for a key while its turn ran goes
 * together in the next one (at most `maxBatch`). A turn is over when `run` resolves; its items are
 * answered when the outcomes it returned settle, which may be later (so the next turn can start
 * while the previous one's write is still in flight). If `run` or its outcomes fail, every item of
 * that turn fails with the error. Keys do not wait for one another.
 */
export class KeyedTurns<K, T, R> {
  /** The items waiting for the next turn of each key that has a turn running. */
  private readonly waiting = new Map<K, Array<Waiting<T, R>>>();

  constructor(
    private readonly run: (key: K, items: T[]) => Promise<TurnResult<R>>,
    private readonly maxBatch = 100,
  ) {}

  submit(key: K, item: T): Promise<R> {
    return new Promise((resolve, reject) => {
      const entry = { item, resolve, reject };
      const queue = this.waiting.get(key);
      if (queue) {
        queue.push(entry);
        return;
      }
      this.waiting.set(key, []);
      void this.turn(key, [entry]);
    });
  }

  private async turn(key: K, batch: Array<Waiting<T, R>>): Promise<void> {
    let outcomes: Promise<Array<Outcome<R>>>;
    try {
      outcomes = (
        await this.run(
          key,
          batch.map((w) => w.item),
        )
      ).outcomes;
    } catch (error) {
      outcomes = Promise.reject(error);
    }
    void outcomes.then(
      (settled) => answer(batch, settled),
      (error: unknown) => {
        for (const waiting of batch) waiting.reject(error);
      },
    );
    const queue = this.waiting.get(key)!;
    if (queue.length === 0) {
      this.waiting.delete(key);
      return;
    }
    void this.turn(key, queue.splice(0, this.maxBatch));
  }
}

function answer<T, R>(batch: Array<Waiting<T, R>>, outcomes: Array<Outcome<R>>): void {
  for (const [n, waiting] of batch.entries()) {
    const outcome = outcomes[n];
    if (outcome === undefined) waiting.reject(new Error('no outcome for this item'));
    else if ('error' in outcome) waiting.reject(outcome.error);
    else waiting.resolve(outcome.value);
  }
}
