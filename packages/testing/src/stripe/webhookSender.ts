import Stripe from 'stripe';
import type { FakeStripe, StripeEvent } from './fakeStripe.js';

export interface SendOptions {
  /** Deliver the same payload this many times (duplicates, as Stripe's at-least-once delivery does). */
  times?: number;
  /** Signature timestamp in unix seconds (default: now); an old one is a replay attack. */
  timestamp?: number;
  /** Sign with this secret instead (a wrong secret = a bad signature). */
  secret?: string;
  /** Send no Stripe-Signature header at all. */
  unsigned?: boolean;
  /** Sign the whole payload but send only this many bytes of it. */
  truncateTo?: number;
}

export interface Delivery {
  status: number;
  body: string;
}

/** `hold`: events queue until `flush()`; `drop`: events are never delivered (an endpoint that was down). */
export type DeliveryMode = 'deliver' | 'hold' | 'drop';

// Stripe's serialisation: pretty-printed JSON, which the receiver must verify byte for byte.
const serialise = (event: StripeEvent): string => JSON.stringify(event, null, 2);

/**
 * Delivers Stripe events to a webhook endpoint the way Stripe does: a JSON body signed with
 * `stripe.webhooks.generateTestHeaderString`, retried until a 2xx. `send` delivers one event with
 * deliberate faults (duplicates, stale timestamps, bad signatures, truncation); `attach` follows a
 * FakeStripe and delivers its events as they happen, in order, with retries.
 */
export class StripeWebhookSender {
  private queue: StripeEvent[] = [];
  private detach?: () => void;
  private mode: DeliveryMode = 'deliver';
  private pumping?: Promise<void>;
  private stopped = false;
  /** Every delivery attempt's outcome, by event id (a test can see the 503 before a retry's 200). */
  readonly attempts = new Map<string, number[]>();

  constructor(
    readonly url: string,
    readonly secret: string,
    private readonly retryDelayMs = 50,
  ) {}

  /** Sends one event (or a raw payload) with the faults asked for; returns every response. */
  async send(event: StripeEvent | string, options: SendOptions = {}): Promise<Delivery[]> {
    const payload = typeof event === 'string' ? event : serialise(event);
    const out: Delivery[] = [];
    for (let i = 0; i < (options.times ?? 1); i++) out.push(await this.post(payload, options));
    return out;
  }

  /** Follows `fake`: each new event is queued and (in `deliver` mode) delivered in order, retried until 2xx. */
  attach(fake: FakeStripe, mode: DeliveryMode = 'deliver'): this {
    this.mode = mode;
    this.detach = fake.onEvent((event) => {
      if (this.mode === 'drop') return;
      this.queue.push(event);
      if (this.mode === 'deliver') this.pump();
    });
    return this;
  }

  setMode(mode: DeliveryMode): void {
    this.mode = mode;
    if (mode === 'deliver') this.pump();
  }

  /** Events queued in `hold` mode, oldest first; `takeHeld` removes them (to deliver in another order). */
  takeHeld(): StripeEvent[] {
    const held = this.queue;
    this.queue = [];
    return held;
  }

  /** Resolves once everything queued was delivered with a 2xx. */
  async flush(): Promise<void> {
    this.pump();
    while (this.pumping) await this.pumping;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.detach?.();
    await this.pumping;
  }

  private pump(): void {
    this.pumping ??= (async () => {
      try {
        while (!this.stopped && this.queue.length > 0) {
          const [next] = this.queue;
          if (!next) break;
          const { status } = await this.post(serialise(next), {}).catch(() => ({ status: 0, body: '' }));
          const attempts = this.attempts.get(next.id) ?? [];
          attempts.push(status);
          this.attempts.set(next.id, attempts);
          if (status >= 200 && status < 300) this.queue.shift();
          else await new Promise((resolve) => setTimeout(resolve, this.retryDelayMs));
        }
      } finally {
        this.pumping = undefined;
      }
    })();
  }

  private async post(payload: string, options: SendOptions): Promise<Delivery> {
    const header = Stripe.webhooks.generateTestHeaderString({
      payload,
      secret: options.secret ?? this.secret,
      timestamp: options.timestamp ?? Math.floor(Date.now() / 1000),
    });
    const body =
      options.truncateTo === undefined
        ? payload
        : Buffer.from(payload).subarray(0, options.truncateTo).toString();
    const response = await fetch(this.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json; charset=utf-8',
        'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
        ...(options.unsigned ? {} : { 'stripe-signature': header }),
      },
      body,
    });
    return { status: response.status, body: await response.text() };
  }
}
