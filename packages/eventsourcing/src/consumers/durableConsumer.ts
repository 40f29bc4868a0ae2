import {
  AckPolicy,
  type ConsumerInfo,
  DeliverPolicy,
  JetStreamApiCodes,
  type JetStreamManager,
} from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';

export interface DurableConsumerOptions {
  jsm: JetStreamManager;
  /** Default `EVENTS`. */
  stream?: string;
  durable: string;
  /** One subject filter (NATS 2.9 has no `filter_subjects`), e.g. `evt.files.>`. */
  filterSubject: string;
  /** Deliveries before the server gives up; runConsumer parks the message at the last one (default 5). */
  maxDeliver?: number;
  /** How long a delivery may stay unacked before the server redelivers it (default 30 s). */
  ackWaitMs?: number;
  /**
   * Server-side redelivery delays for deliveries that were never acked (a crashed worker); needs
   * fewer entries than maxDeliver. When set, the server uses its first entry as the ack wait.
   * Handler failures are delayed by the client's `nak(delay)` instead.
   */
  backoffMs?: number[];
  /** Unacked messages in flight across all instances (default 1000). */
  maxAckPending?: number;
  /** Where a new consumer starts (default: the whole stream). */
  deliverPolicy?: DeliverPolicy;
  description?: string;
}

const DEFAULT_MAX_DELIVER = 5;

/** Creates a durable pull consumer with explicit acks, or updates its mutable settings when it exists. */
export async function createDurableConsumer(options: DurableConsumerOptions): Promise<ConsumerInfo> {
  const stream = options.stream ?? 'EVENTS';
  const settings = mutableSettings(options);
  const existing = await findConsumer(options.jsm, stream, options.durable);
  if (!existing) {
    return options.jsm.consumers.add(stream, {
      durable_name: options.durable,
      filter_subject: options.filterSubject,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: options.deliverPolicy ?? DeliverPolicy.All,
      ...settings,
    });
  }
  if (existing.config.filter_subject !== options.filterSubject) {
    // NATS 2.9 cannot change a filter in place; a new durable name is the safe way to re-subscribe.
    throw new Error(
      `consumer ${options.durable} on ${stream} filters ${existing.config.filter_subject}, not ${options.filterSubject}`,
    );
  }
  return options.jsm.consumers.update(stream, options.durable, settings);
}

function mutableSettings(options: DurableConsumerOptions) {
  const maxDeliver = options.maxDeliver ?? DEFAULT_MAX_DELIVER;
  if (options.backoffMs && options.backoffMs.length >= maxDeliver) {
    throw new Error(
      `backoff needs fewer entries (${options.backoffMs.length}) than maxDeliver (${maxDeliver})`,
    );
  }
  return {
    max_deliver: maxDeliver,
    ack_wait: nanos(options.ackWaitMs ?? 30_000),
    max_ack_pending: options.maxAckPending ?? 1000,
    ...(options.backoffMs ? { backoff: options.backoffMs.map((ms) => nanos(ms)) } : {}),
    ...(options.description ? { description: options.description } : {}),
  };
}

async function findConsumer(jsm: JetStreamManager, stream: string, durable: string) {
  try {
    return await jsm.consumers.info(stream, durable);
  } catch (error) {
    if ((error as { code?: unknown }).code === JetStreamApiCodes.ConsumerNotFound) return undefined;
    throw error;
  }
}
