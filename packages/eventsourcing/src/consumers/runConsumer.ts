import type { EventMeta } from '@ledgerline/contracts';
import type { Consumer, ConsumerMessages, JetStreamClient, JsMsg } from '@nats-io/jetstream';
import { SpanKind } from '@opentelemetry/api';
import type { Pool } from 'pg';
import { backoffDelay, sleep } from '../retry/backoff.js';
import { inSpan } from '../tracing/tracing.js';
import { type EventContractLookup, parseReceived, receive } from './parseMessage.js';
import { type ConsumerHandler, parkMessage, processOnce } from './processMessage.js';

export interface RunConsumerOptions {
  pool: Pool;
  /** The service whose event-store schema holds the inbox and the dead letters. */
  service: string;
  js: JetStreamClient;
  /** Default `EVENTS`. */
  stream?: string;
  /** The durable consumer's name (see createDurableConsumer); also the inbox's `consumer`. */
  consumer: string;
  /** Contracts to parse each message with (a ContractRegistry). */
  messages: EventContractLookup;
  handle: ConsumerHandler;
  /** Subjects this consumer skips (acked, no inbox row) return false; default: all accepted. */
  accepts?: (subject: string) => boolean;
  /** Messages pulled per fetch (default 10). */
  batchSize?: number;
  /** How long a fetch waits for messages (default 2 s, at least 1 s: the client's minimum). */
  fetchExpiresMs?: number;
  retryBaseDelayMs?: number;
  retryMaxDelayMs?: number;
  /** Defaults to the consumer's own max_deliver. */
  maxDeliver?: number;
  onError?: (error: unknown) => void;
  /**
   * Wraps the handling of each message, inside its CONSUMER span: the service runtime passes one
   * that sets the message context (`runWithMessageContext`), so log lines carry its ids.
   */
  around?: <T>(meta: Partial<EventMeta>, work: () => Promise<T>) => Promise<T>;
}

/** A running consumer; `stop()` finishes the message in hand and returns once the loop has ended. */
export interface RunningConsumer {
  stop(): Promise<void>;
}

/**
 * Pulls a durable consumer and processes each message exactly once in effect: the inbox row and the
 * handler's writes commit together, then the message is acked. Malformed or unknown messages are
 * dead-lettered with the reason and acked; a failing handler is nak'ed with backoff, and parked
 * (then acked) at its last delivery, so a poison message never blocks the consumer for ever.
 */
export async function runConsumer(options: RunConsumerOptions): Promise<RunningConsumer> {
  const consumer = await options.js.consumers.get(options.stream ?? 'EVENTS', options.consumer);
  const maxDeliver = options.maxDeliver ?? (await consumer.info(true)).config.max_deliver ?? 5;
  const state = { stopping: false, batch: undefined as ConsumerMessages | undefined };
  const loop = pullLoop(consumer, options, maxDeliver, state);
  return {
    async stop() {
      state.stopping = true;
      // Ends a fetch that is waiting for messages; the message in hand still completes.
      await state.batch?.close();
      await loop;
    },
  };
}

async function pullLoop(
  consumer: Consumer,
  options: RunConsumerOptions,
  maxDeliver: number,
  state: { stopping: boolean; batch: ConsumerMessages | undefined },
): Promise<void> {
  let failures = 0;
  while (!state.stopping) {
    try {
      state.batch = await consumer.fetch({
        max_messages: options.batchSize ?? 10,
        expires: Math.max(1000, options.fetchExpiresMs ?? 2000),
      });
      for await (const msg of state.batch) {
        // Left for another instance (or the restart) rather than held until ack_wait.
        if (state.stopping) msg.nak();
        else await handleDelivery(msg, options, maxDeliver);
      }
      failures = 0;
    } catch (error) {
      options.onError?.(error);
      await sleep(backoffDelay(++failures, 100, 5000));
    }
  }
}

/** One delivery: parse (dead-letter what cannot be parsed), process, then ack or nak. */
export async function handleDelivery(
  msg: JsMsg,
  options: RunConsumerOptions,
  maxDeliver: number,
): Promise<void> {
  if (options.accepts && !options.accepts(msg.subject)) return msg.ack();
  // A CONSUMER span per handled message, child of the relay's producer span (its traceparent).
  const parent = { traceparent: msg.headers?.get('traceparent') || undefined };
  const attributes = {
    'messaging.system': 'nats',
    'messaging.destination.name': msg.subject,
    'messaging.consumer.group.name': options.consumer,
  };
  return inSpan(`${msg.subject} process`, { kind: SpanKind.CONSUMER, parent, attributes }, () =>
    handleTraced(msg, options, maxDeliver),
  );
}

async function handleTraced(msg: JsMsg, options: RunConsumerOptions, maxDeliver: number): Promise<void> {
  const base = { pool: options.pool, service: options.service, consumer: options.consumer };
  const received = receive(msg);
  const parsed = parseReceived(received, options.messages);
  const attempts = msg.info.deliveryCount;
  if (!parsed.ok) {
    await parkMessage({ ...base, received, messageType: parsed.messageType, error: parsed.reason, attempts });
    return msg.ack();
  }
  const around = options.around ?? ((_meta, work) => work());
  try {
    const { after } = await around(parsed.event.meta ?? {}, () =>
      processOnce({
        ...base,
        received,
        event: parsed.event,
        deliveryCount: attempts,
        handle: options.handle,
      }),
    );
    for (const work of after) await work().catch((error: unknown) => options.onError?.(error));
    msg.ack();
  } catch (error) {
    options.onError?.(error);
    if (attempts >= maxDeliver) {
      await parkMessage({ ...base, received, messageType: parsed.event.type, error, attempts });
      return msg.ack();
    }
    msg.nak(backoffDelay(attempts, options.retryBaseDelayMs ?? 200, options.retryMaxDelayMs ?? 10_000));
  }
}
