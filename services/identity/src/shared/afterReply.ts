import { currentMessageContext, type Logger, runWithMessageContext } from '@ledgerline/platform';

const START_DELAY_MS = 20;

export interface AfterReplyOptions {
  /** Jobs running at once. */
  concurrency?: number;
  /** Jobs waiting; beyond this a job is dropped with a warning (the reply has promised nothing). */
  maxQueued?: number;
  logger?: Logger;
}

/**
 * Work a handler queues after deciding a reply whose shape and timing must not depend on it: a
 * forgot-password or sign-in-code request answers the same, equally fast, whether the e-mail has an
 * account or not, and the lookup plus the append that e-mails the owner run here afterwards.
 *
 * Jobs run in the message context they were queued in (minus the caller's deadline), so their
 * events carry the request's ids. Not durable: a process that dies between the reply and the
 * job loses the e-mail, and the user asks again (the reply only ever said "if an account exists").
 */
export class AfterReplyQueue {
  private readonly waiting: Array<{ name: string; job: () => Promise<unknown> }> = [];
  private running = 0;
  private readonly idle = new Set<() => void>();
  private readonly concurrency: number;
  private readonly maxQueued: number;

  constructor(private readonly options: AfterReplyOptions = {}) {
    this.concurrency = options.concurrency ?? 4;
    this.maxQueued = options.maxQueued ?? 1_000;
  }

  /** Queues `job`; it starts after the current handler has returned its reply. Never throws. */
  enqueue(name: string, job: () => Promise<unknown>): void {
    if (this.waiting.length >= this.maxQueued) {
      this.options.logger?.warn({ job: name }, 'after-reply queue full; job dropped');
      return;
    }
    // The job keeps the request's ids (its events name the request that caused them) but not its
    // deadline: the caller has its reply, and the work is due whenever it runs.
    const meta = currentMessageContext();
    this.waiting.push({ name, job: meta ? () => runWithMessageContext({ ...meta }, job) : job });
    // Later than the reply: Nest publishes it a few ticks after the handler returns and nats.js
    // flushes it after that; a job started at once would run its first steps in front of the reply
    // (measurably, for the address that has an account). The delay costs the e-mail nothing.
    setTimeout(() => this.pump(), START_DELAY_MS);
  }

  /** Jobs queued or running. */
  get pending(): number {
    return this.waiting.length + this.running;
  }

  /** Resolves when every queued job has finished (shutdown; tests between samples). */
  drain(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.add(resolve));
  }

  private pump(): void {
    while (this.running < this.concurrency) {
      const next = this.waiting.shift();
      if (!next) break;
      this.running++;
      next
        .job()
        .catch((err: unknown) =>
          this.options.logger?.error({ err, job: next.name }, 'after-reply job failed'),
        )
        .finally(() => {
          this.running--;
          this.pump();
          if (this.pending === 0) {
            for (const resolve of this.idle) resolve();
            this.idle.clear();
          }
        });
    }
  }
}
