import { UnavailableError } from '@ledgerline/contracts';

export interface HashingStats {
  /** argon2 computations started. */
  started: number;
  /** Refused at once: the queue was full, or the caller's deadline could not be met. */
  refusedBusy: number;
  /** Dropped before starting: the caller's deadline passed while the request waited. */
  refusedExpired: number;
}

export interface HashingLimits {
  /** Jobs at once. */
  maxConcurrent: number;
  /** Waiting jobs; one more is refused with UNAVAILABLE. */
  maxQueued: number;
  /** The `reason` of a refusal (default `password_hashing_busy`). */
  busyReason?: string;
  /** The deadline of the request being served (epoch ms), if its caller sent one. */
  deadline?: () => number | undefined;
}

/** One computation starting: when, and its caller's deadline (if it sent one). */
export interface HashStart {
  at: number;
  deadline: number | undefined;
}

/** Tell the caller to come back soon; the gateway answers 503 with Retry-After. */
const busy = (reason = 'password_hashing_busy') =>
  new UnavailableError('Too many sign-ins at once; retry shortly', { reason });
// Nobody reads this reply (its caller has gone); UNAVAILABLE keeps it a retryable 503 all the same.
const expired = () =>
  new UnavailableError('The request outlived its deadline', { reason: 'deadline_passed' });

// A queued request is refused this long before its deadline, so the 503 still reaches the caller.
const REPLY_MARGIN_MS = 100;

/**
 * Bounds costly work (argon2 hashes; whole password sign-ins at the door): at most `maxConcurrent`
 * jobs run, at most `maxQueued` wait, and none starts for a caller whose deadline has passed or
 * cannot be met (the queue ahead, at the measured job time, would outlast it). Beyond that the
 * answer is an immediate UNAVAILABLE: a login storm sheds load instead of piling up hashes for
 * callers that have already given up.
 */
export class DeadlineLimiter {
  readonly stats: HashingStats = { started: 0, refusedBusy: 0, refusedExpired: 0 };
  private readonly observers = new Set<(start: HashStart) => void>();
  private running = 0;
  private readonly queue: Array<{ start: () => void; refuse: () => void }> = [];
  /** Moving average of one job (ms), seeded high so that the first admissions are cautious. */
  private averageMs = 200;

  constructor(private readonly limits: HashingLimits) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    const deadline = this.limits.deadline?.();
    if (deadline !== undefined && Date.now() >= deadline) {
      this.stats.refusedExpired++;
      throw expired();
    }
    if (this.running >= this.limits.maxConcurrent) await this.waitForSlot(deadline);
    else this.running++;
    try {
      // The caller may have given up while we waited, or have too little time left for one hash.
      if (deadline !== undefined && Date.now() >= deadline) {
        this.stats.refusedExpired++;
        throw expired();
      }
      if (deadline !== undefined && Date.now() + this.averageMs + REPLY_MARGIN_MS >= deadline) {
        this.stats.refusedBusy++;
        throw busy(this.limits.busyReason);
      }
      this.stats.started++;
      for (const observer of this.observers) observer({ at: Date.now(), deadline });
      const began = performance.now();
      const result = await work();
      this.averageMs = this.averageMs * 0.8 + (performance.now() - began) * 0.2;
      return result;
    } finally {
      const next = this.queue.shift();
      if (next) next.start();
      else this.running--;
    }
  }

  /** Calls `observer` as each computation starts (tests count starts after their deadline). */
  observeStarts(observer: (start: HashStart) => void): () => void {
    this.observers.add(observer);
    return () => this.observers.delete(observer);
  }

  private waitForSlot(deadline: number | undefined): Promise<void> {
    const { maxConcurrent, maxQueued } = this.limits;
    // Rounds of `maxConcurrent` hashes ahead of us, then our own: when it cannot end in time, say so now.
    const expectedEnd = Date.now() + (Math.floor(this.queue.length / maxConcurrent) + 2) * this.averageMs;
    if (
      this.queue.length >= maxQueued ||
      (deadline !== undefined && expectedEnd + REPLY_MARGIN_MS > deadline)
    ) {
      this.stats.refusedBusy++;
      return Promise.reject(busy(this.limits.busyReason));
    }
    return new Promise<void>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const entry = {
        start: () => {
          clearTimeout(timer);
          resolve();
        },
        refuse: () => {
          const at = this.queue.indexOf(entry);
          if (at >= 0) this.queue.splice(at, 1);
          this.stats.refusedBusy++;
          reject(busy(this.limits.busyReason));
        },
      };
      this.queue.push(entry);
      if (deadline !== undefined) {
        timer = setTimeout(
          entry.refuse,
          Math.max(0, deadline - Date.now() - this.averageMs - REPLY_MARGIN_MS),
        );
        timer.unref();
      }
    });
  }
}
