import type { JetStreamPublishOptions, PubAck } from '@nats-io/jetstream';
import type { AckedPublisher } from './ackedPublisher.js';

/** `js.publish`, with publishes of one event-loop turn written to the NATS socket together. */
export type Publish = (
  subject: string,
  payload: Uint8Array,
  options: Partial<JetStreamPublishOptions>,
) => Promise<PubAck>;

interface Pending {
  readonly subject: string;
  readonly payload: Uint8Array;
  readonly options: Partial<JetStreamPublishOptions>;
  resolve(ack: PubAck): void;
  reject(error: unknown): void;
}

/**
 * Why: nats.js flushes its outbound buffer in a microtask, and every HTTP request runs in its own
 * task, so each delivery cost one `write` syscall to NATS — a third of the ingress's CPU under load
 * (bench/billing, --cpu-prof). Holding publishes until `setImmediate` (after the poll phase that
 * read every request ready at once) sends them in one write. Each caller still gets its own ack, or
 * its own error, so the 2xx still follows the JetStream ack; the delay is one loop turn.
 */
export function batchedPublisher(js: AckedPublisher): Publish {
  let queue: Pending[] = [];
  const flush = () => {
    const batch = queue;
    queue = [];
    // Called back to back, nats.js fills one buffer and flushes it once.
    for (const p of batch) js.publish(p.subject, p.payload, p.options).then(p.resolve, p.reject);
  };
  return (subject, payload, options) =>
    new Promise<PubAck>((resolve, reject) => {
      if (queue.length === 0) setImmediate(flush);
      queue.push({ subject, payload, options, resolve, reject });
    });
}
