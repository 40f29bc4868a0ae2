import type { Consumer, ConsumerMessages, JsMsg } from '@nats-io/jetstream';

/** A message fetched but not started when the loop stops is nak'ed to come back after this. */
export const SHUTDOWN_NAK_DELAY_MS = 500;

export interface PullLoopOptions {
  /** Messages handled at once; the loop pulls only as many as it has free slots. */
  concurrency: number;
  /** Handles one message to the end (acks or naks it); never rejects. */
  handle(msg: JsMsg): Promise<void>;
  onError(error: unknown): void;
  /** How long one fetch waits for messages (default 2 s). */
  fetchExpiresMs?: number;
}

/**
 * A bounded-concurrency pull loop over a durable JetStream consumer. It fetches only as many
 * messages as it has free slots, so none waits in a local buffer while its ack wait runs.
 * `stop()` ends the pending fetch, naks whatever still arrives (to come back in
 * SHUTDOWN_NAK_DELAY_MS, to another instance if one runs), and waits for the messages in flight.
 */
export class PullLoop {
  private readonly inFlight = new Set<Promise<void>>();
  private stopping = false;
  private batch: ConsumerMessages | undefined;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly consumer: Pick<Consumer, 'fetch'>,
    private readonly options: PullLoopOptions,
  ) {}

  start(): void {
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.batch?.close();
    await this.loop;
    await Promise.allSettled([...this.inFlight]);
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      const free = this.options.concurrency - this.inFlight.size;
      if (free <= 0) {
        await Promise.race(this.inFlight);
        continue;
      }
      try {
        this.batch = await this.consumer.fetch({
          max_messages: free,
          expires: this.options.fetchExpiresMs ?? 2_000,
        });
        for await (const msg of this.batch) {
          if (this.stopping) {
            msg.nak(SHUTDOWN_NAK_DELAY_MS);
            continue;
          }
          const work: Promise<void> = this.options.handle(msg).finally(() => this.inFlight.delete(work));
          this.inFlight.add(work);
        }
        failures = 0;
      } catch (error) {
        this.options.onError(error);
        // Full-jitter backoff, 100 ms doubling up to 5 s, while NATS is unreachable.
        await sleep(Math.random() * Math.min(5_000, 100 * 2 ** failures++));
      }
    }
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
