import {
  backoffDelay,
  claimInbox,
  createDurableConsumer,
  parkMessage,
  quoteIdent,
  schemasOf,
} from '@ledgerline/eventsourcing';
import {
  type Consumer,
  type ConsumerMessages,
  type JsMsg,
  jetstream,
  jetstreamManager,
} from '@nats-io/jetstream';
import type { Pool } from 'pg';
import type { BillingDeps } from '../billingDeps.js';
import { billingMeta } from './accounts.js';
import { KeyedQueue } from './keyedQueue.js';
import { remindTrialEnding, syncCheckoutSession, syncInvoice, syncSubscription } from './sync.js';

const MAX_DELIVER = 10;

interface StripeEventBody {
  id: string;
  type: string;
  data: { object: { id?: string; customer?: string | { id: string } | null } };
}

const parse = (text: string): StripeEventBody | undefined => {
  try {
    const body = JSON.parse(text) as StripeEventBody;
    return typeof body?.id === 'string' && typeof body.type === 'string' && body.data?.object
      ? body
      : undefined;
  } catch {
    return undefined;
  }
};

/**
 * Applies one Stripe event order-insensitively: the payload only says which object changed; its
 * current state is re-fetched from Stripe (Stripe docs, "Event ordering"), so a late or replayed
 * event cannot move billing's state backwards.
 */
export async function applyStripeEvent(deps: BillingDeps, event: StripeEventBody): Promise<void> {
  const objectId = event.data.object.id;
  if (!objectId) return;
  const meta = { ...billingMeta(), causationId: event.id };
  if (event.type.startsWith('checkout.session.')) {
    if (event.type !== 'checkout.session.expired') await syncCheckoutSession(deps, objectId, 'webhook', meta);
  } else if (event.type === 'customer.subscription.trial_will_end') {
    await remindTrialEnding(deps, objectId, meta);
  } else if (event.type.startsWith('customer.subscription.')) {
    await syncSubscription(deps, objectId, 'webhook', { meta });
  } else if (event.type.startsWith('invoice.')) {
    await syncInvoice(deps, objectId, meta);
  }
}

const customerOf = (event: StripeEventBody): string | undefined => {
  const customer = event.data.object.customer;
  return typeof customer === 'string' ? customer : (customer?.id ?? undefined);
};

/**
 * One delivery: a duplicate (inbox row present) is acked untouched; otherwise the event is applied
 * and its inbox row written. No transaction stays open around the Stripe calls: an open one would
 * hold back every reader of the log (the relay reads below the oldest running transaction). The
 * apply is idempotent (state from Stripe, optimistic appends), so a crash between the apply and
 * the inbox row only repeats a no-op.
 *
 * One customer's events run one at a time through the consumer's KeyedQueue, and this consumer is
 * a leader-elected worker (one active instance). It used to take a per-customer session advisory
 * lock as well, holding a pool connection across the Stripe calls: eight at once drained the pool
 * that the event store needs to apply them (bench/billing: "timeout exceeded when trying to
 * connect", every event retried with backoff, tier latency in tens of seconds).
 */
async function handle(
  deps: BillingDeps,
  msg: JsMsg,
  durable: string,
  event: StripeEventBody | undefined,
): Promise<void> {
  const base = { pool: deps.pool, service: deps.schema, consumer: durable };
  const received = {
    subject: msg.subject,
    messageId: event?.id ?? `EXTERNAL:${msg.seq}`,
    body: msg.string(),
  };
  if (!event) {
    await parkMessage({
      ...base,
      received,
      error: new Error('not a Stripe event'),
      attempts: msg.info.deliveryCount,
    });
    msg.ack();
    return;
  }
  try {
    if (!(await inInbox(deps.pool, deps.schema, durable, event.id))) {
      await applyStripeEvent(deps, event);
      const client = await deps.pool.connect();
      try {
        await claimInbox(client, deps.schema, durable, event.id);
      } finally {
        client.release();
      }
    }
    msg.ack();
  } catch (error) {
    const attempts = msg.info.deliveryCount;
    deps.logger.warn({ err: error, eventId: event.id, type: event.type, attempts }, 'stripe event failed');
    if (attempts >= MAX_DELIVER) {
      await parkMessage({ ...base, received, messageType: event.type, error, attempts });
      msg.ack();
    } else {
      msg.nak(backoffDelay(attempts, 200, 10_000));
    }
  }
}

const inInbox = async (db: Pool, schema: string, durable: string, messageId: string) => {
  const table = `${quoteIdent(schemasOf(schema).eventStore)}."inbox"`;
  const { rowCount } = await db.query(`SELECT 1 FROM ${table} WHERE consumer = $1 AND message_id = $2`, [
    durable,
    messageId,
  ]);
  return (rowCount ?? 0) > 0;
};

/** Events handled at once (each takes pool connections one query or append at a time). */
const CONCURRENCY = 8;
/**
 * Messages queued here at once, running or waiting for their customer's previous event, and how
 * many nats.js pulls ahead of them (JetStream keeps the rest): small enough that the last of them
 * starts well within the 30 s ack wait.
 */
const MAX_HELD = 64;
const PULL_AHEAD = 32;

/**
 * The message flow, without batch boundaries: each message goes to its customer's queue as it
 * arrives (one customer's events one after another, in delivery order; different customers side by
 * side, at most CONCURRENCY at a time). Before, a batch of 20 had to finish before the next was
 * fetched, and a customer's waiting events took slots, so a few busy customers starved the rest.
 */
async function consumeMessages(
  deps: BillingDeps,
  consumer: Consumer,
  durable: string,
  state: { stopping: boolean; messages: ConsumerMessages | undefined },
): Promise<void> {
  const queue = new KeyedQueue(CONCURRENCY);
  let failures = 0;
  while (!state.stopping) {
    try {
      state.messages = await consumer.consume({ max_messages: PULL_AHEAD });
      for await (const msg of state.messages) {
        const event = parse(msg.string());
        const key = (event && customerOf(event)) ?? `message:${msg.seq}`;
        queue.push(key, async () => {
          // Left for the restart (or another instance) rather than held until the ack wait.
          if (state.stopping) return msg.nak();
          await handle(deps, msg, durable, event).catch((err: unknown) =>
            deps.logger.error({ err }, 'stripe event handling failed'),
          );
        });
        failures = 0;
        await queue.room(MAX_HELD);
      }
      // The iterator ends when stop() closes it; otherwise consume again after a pause.
      if (!state.stopping) await sleep(backoffDelay(++failures, 100, 5000));
    } catch (error) {
      deps.logger.warn({ err: error }, 'stripe consumer failed; consuming again');
      await sleep(backoffDelay(++failures, 100, 5000));
    }
  }
  await queue.idle();
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The durable consumer of `ext.stripe.>` on EXTERNAL (a worker: one active instance per service). */
export async function startStripeEvents(deps: BillingDeps): Promise<{ stop(): Promise<void> }> {
  const durable = deps.settings.BILLING_STRIPE_CONSUMER;
  await createDurableConsumer({
    jsm: await jetstreamManager(deps.nats),
    stream: 'EXTERNAL',
    durable,
    filterSubject: 'ext.stripe.>',
    maxDeliver: MAX_DELIVER,
    description: 'billing: Stripe events',
  });
  const consumer = await jetstream(deps.nats).consumers.get('EXTERNAL', durable);
  const state = { stopping: false, messages: undefined as ConsumerMessages | undefined };
  const loop = consumeMessages(deps, consumer, durable, state);
  return {
    async stop() {
      state.stopping = true;
      await state.messages?.close();
      await loop;
    },
  };
}
