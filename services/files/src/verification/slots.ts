/** At most `size` pieces of work at once in this process; the rest wait their turn (FIFO). */
export class Slots {
  private busy = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly size: number) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.busy >= this.size) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.busy++;
    try {
      return await work();
    } finally {
      // Hands the slot straight to the next waiter (busy unchanged), else frees it.
      const next = this.waiting.shift();
      if (next) next();
      else this.busy--;
    }
  }
}
