/**
 * Runs tasks one at a time per key (in the order they were pushed) and at most `limit` at once
 * overall. Only running tasks take a slot: a customer's second event waiting for its first does
 * not keep other customers' events from starting, so one busy customer cannot stall the rest.
 */
export class KeyedQueue {
  private readonly waiting = new Map<string, Array<() => Promise<void>>>();
  /** Keys with a task ready to start (none of theirs running), oldest first. */
  private readonly ready: string[] = [];
  private running = 0;
  private queued = 0;
  private idleWaiters: Array<() => void> = [];
  private roomWaiters: Array<() => void> = [];

  constructor(private readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`limit must be ≥ 1, got ${limit}`);
  }

  /** Tasks pushed and not finished (running or waiting). */
  get size(): number {
    return this.queued;
  }

  /** Queues a task; it must not reject (errors are the task's own business). */
  push(key: string, task: () => Promise<void>): void {
    this.queued++;
    const tasks = this.waiting.get(key);
    if (tasks) {
      tasks.push(task);
      return;
    }
    // A key with no entry has nothing running or queued: its task can start as soon as a slot frees.
    this.waiting.set(key, [task]);
    this.ready.push(key);
    this.pump();
  }

  /** Resolves once fewer than `max` tasks are queued (backpressure for the producer). */
  async room(max: number): Promise<void> {
    while (this.queued >= max) await new Promise<void>((resolve) => this.roomWaiters.push(resolve));
  }

  /** Resolves once every pushed task has finished. */
  async idle(): Promise<void> {
    while (this.queued > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  private pump(): void {
    while (this.running < this.limit && this.ready.length > 0) {
      const key = this.ready.shift() as string;
      const task = this.waiting.get(key)?.[0];
      if (!task) continue;
      this.running++;
      void task()
        .catch(() => undefined)
        .finally(() => this.finished(key));
    }
  }

  private finished(key: string): void {
    this.running--;
    this.queued--;
    const tasks = this.waiting.get(key) ?? [];
    tasks.shift();
    if (tasks.length > 0) this.ready.push(key);
    else this.waiting.delete(key);
    this.pump();
    for (const resolve of this.roomWaiters.splice(0)) resolve();
    if (this.queued === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
  }
}
