/**
 * Runs work in lanes: one lane's work strictly in submission order, different lanes at the same
 * time, at most `concurrency` pieces running at once. A saga runner keys lanes by saga instance,
 * so one upload's commands stay ordered while another upload's are sent meanwhile (the kernel
 * used to send every saga's commands one after another, so one slow command held up all of them).
 */
export class DispatchLanes {
  private running = 0;
  private readonly slotWaiters: Array<() => void> = [];
  private readonly roomWaiters: Array<() => void> = [];
  private readonly tails = new Map<string, Promise<void>>();
  private unfinished = 0;

  constructor(private readonly concurrency: number) {
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new Error(`concurrency must be a positive integer, got ${concurrency}`);
    }
  }

  /**
   * Queues `work` on `lane` and resolves once fewer than `concurrency` pieces are unfinished (the
   * caller's back-pressure: a consumer pulls no further than that). `work` must not throw (report
   * failures inside it): a lane goes on after a failure.
   */
  async submit(lane: string, work: () => Promise<void>): Promise<void> {
    this.unfinished++;
    const previous = this.tails.get(lane) ?? Promise.resolve();
    const tail = previous.then(() => this.inSlot(work)).finally(() => this.finished(lane, tail));
    this.tails.set(lane, tail);
    if (this.unfinished >= this.concurrency) {
      await new Promise<void>((resolve) => this.roomWaiters.push(resolve));
    }
  }

  /** Resolves when everything submitted so far has finished. */
  async drain(): Promise<void> {
    while (this.tails.size > 0) await Promise.allSettled([...this.tails.values()]);
  }

  private async inSlot(work: () => Promise<void>): Promise<void> {
    if (this.running >= this.concurrency) {
      await new Promise<void>((resolve) => this.slotWaiters.push(resolve));
    }
    this.running++;
    try {
      await work();
    } catch {
      // submit's contract: work reports its own failures; the lane must go on regardless.
    } finally {
      this.running--;
      this.slotWaiters.shift()?.();
    }
  }

  private finished(lane: string, tail: Promise<void>): void {
    this.unfinished--;
    if (this.tails.get(lane) === tail) this.tails.delete(lane);
    if (this.unfinished < this.concurrency) this.roomWaiters.shift()?.();
  }
}
