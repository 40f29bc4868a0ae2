import type { NatsConnection } from '@ledgerline/platform';
import type { JetStreamPublishOptions, PubAck } from '@nats-io/jetstream';
import { createInbox, headers, type Msg } from '@nats-io/transport-node';

/** The part of `JetStreamClient` the ingress uses: a publish answered by the stream's ack. */
export interface AckedPublisher {
  publish(subject: string, payload: Uint8Array, options: Partial<JetStreamPublishOptions>): Promise<PubAck>;
}

/** An AckedPublisher that owns a subscription and a timer on a connection it may not own. */
export interface StoppableAckedPublisher extends AckedPublisher {
  /** Stops listening for acks; publishes still waiting fail. */
  stop(): void;
}

interface Waiting {
  readonly deadline: number;
  resolve(ack: PubAck): void;
  reject(error: Error): void;
}

/** JetStream refused the message (wrong stream, storage, …), or nobody answered. */
export class PublishNotAcknowledged extends Error {
  constructor(reason: string) {
    super(`JetStream did not acknowledge the publish: ${reason}`);
    this.name = 'PublishNotAcknowledged';
  }
}

/**
 * JetStream publishes with their acks collected on one subscription: `js.publish` is a NATS request
 * per message, and nats.js builds a timer, a mux entry, a deferred and (on every success, when it
 * cancels the finished request) an Error with its stack trace for each one — ~15 % of the
 * ingress's CPU under load (bench/billing --cpu-prof). Here each publish carries a reply subject
 * under one wildcard inbox, acks are matched by token, and one sweep fails the publishes whose ack
 * did not come within `timeoutMs` (NATS down, JetStream unavailable). Same wire protocol and
 * headers as `js.publish` (Nats-Msg-Id, Nats-Expected-Stream), same PubAck.
 */
export function ackedPublisher(nc: NatsConnection, timeoutMs: number): StoppableAckedPublisher {
  const prefix = `${createInbox()}.`;
  const waiting = new Map<string, Waiting>();
  let nextToken = 0;

  const subscription = nc.subscribe(`${prefix}*`, {
    callback: (_err, msg) => settle(msg),
  });
  const settle = (msg: Msg) => {
    const token = msg.subject.slice(prefix.length);
    const entry = waiting.get(token);
    if (!entry) return; // timed out already
    waiting.delete(token);
    // A status message instead of an ack: 503 = no responders (the stream's server is not there).
    if (msg.headers?.hasError) {
      entry.reject(new PublishNotAcknowledged(`${msg.headers.code} ${msg.headers.description}`));
      return;
    }
    try {
      const answer = msg.json<PubAck & { error?: { code?: number; description?: string } }>();
      if (answer.error) entry.reject(new PublishNotAcknowledged(answer.error.description ?? 'error'));
      else
        entry.resolve({
          stream: answer.stream,
          seq: answer.seq,
          duplicate: answer.duplicate === true,
          domain: answer.domain,
        } as PubAck);
    } catch {
      entry.reject(new PublishNotAcknowledged('unreadable ack'));
    }
  };

  // Every publish waits the same time, so the map (in insertion order) is also in deadline order.
  const sweep = setInterval(
    () => {
      const now = Date.now();
      for (const [token, entry] of waiting) {
        if (entry.deadline > now) break;
        waiting.delete(token);
        entry.reject(new PublishNotAcknowledged(`no ack within ${timeoutMs} ms`));
      }
    },
    Math.max(10, Math.min(100, timeoutMs / 10)),
  );
  sweep.unref();
  void nc.closed().then(() => clearInterval(sweep));

  return {
    stop: () => {
      clearInterval(sweep);
      subscription.unsubscribe();
      for (const entry of waiting.values()) entry.reject(new PublishNotAcknowledged('ingress stopped'));
      waiting.clear();
    },
    publish: (subject, payload, options) =>
      new Promise<PubAck>((resolve, reject) => {
        const token = (nextToken++).toString(36);
        const h = headers();
        if (options.msgID) h.set('Nats-Msg-Id', options.msgID);
        if (options.expect?.streamName) h.set('Nats-Expected-Stream', options.expect.streamName);
        try {
          nc.publish(subject, payload, { reply: prefix + token, headers: h });
        } catch (err) {
          reject(err instanceof Error ? err : new PublishNotAcknowledged(String(err)));
          return;
        }
        waiting.set(token, { deadline: Date.now() + timeoutMs, resolve, reject });
      }),
  };
}
