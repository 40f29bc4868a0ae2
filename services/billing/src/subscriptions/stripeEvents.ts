import {
  backoffDelay,
  claimInbox,
  createDurableConsumer,
  parkMessage,
  quoteIdent,
  schemasOf,
} from '@ledgerline/eventsourcing';
import { type ConsumerMessages, type JsMsg, jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { PoolClient } from 'pg';
import type { BillingDeps } from '../billingDeps.js';
import { billingMeta } from './accounts.js';
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
 * the inbox row only repeats a no-op. One customer's events are serialised across instances by a
 * session advisory lock.
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
  const customer = customerOf(event);
  const client = await deps.pool.connect();
  let broken: Error | undefined;
  try {
    if (customer)
      await client.query(`SELECT pg_advisory_lock(hashtext('billing-customer'), hashtext($1))`, [customer]);
    try {
      if (!(await inInbox(client, deps.schema, durable, event.id))) {
        await applyStripeEvent(deps, event);
        await claimInbox(client, deps.schema, durable, event.id);
      }
    } finally {
      if (customer)
        await client.query(`SELECT pg_advisory_unlock(hashtext('billing-customer'), hashtext($1))`, [
          customer,
        ]);
    }
    msg.ack();
  } catch (error) {
    broken = error instanceof Error ? error : new Error(String(error));
    const attempts = msg.info.deliveryCount;
    deps.logger.warn({ err: error, eventId: event.id, type: event.type, attempts }, 'stripe event failed');
    if (attempts >= MAX_DELIVER) {
      await parkMessage({ ...base, received, messageType: event.type, error, attempts });
      msg.ack();
    } else {
      msg.nak(backoffDelay(attempts, 200, 10_000));
    }
  } finally {
    // A connection whose unlock may not have run is closed rather than reused (closing frees its locks).
    client.release(broken);
  }
}

const inInbox = async (client: PoolClient, schema: string, durable: string, messageId: string) => {
  const table = `${quoteIdent(schemasOf(schema).eventStore)}."inbox"`;
  const { rowCount } = await client.query(`SELECT 1 FROM ${table} WHERE consumer = $1 AND message_id = $2`, [
    durable,
    messageId,
  ]);
  return (rowCount ?? 0) > 0;
};

const BATCH = 20;
/** Messages in flight at once (each holds a pool connection for its inbox transaction). */
const CONCURRENCY = 8;

/**
 * A batch as it arrives: one customer's events one after another, in delivery order; different
 * customers side by side, at most CONCURRENCY at a time.
 */
async function processBatch(
  deps: BillingDeps,
  batch: AsyncIterable<JsMsg>,
  durable: string,
  stopping: () => boolean,
): Promise<void> {
  const chains = new Map<string, Promise<void>>();
  let inFlight = 0;
  const waiting: Array<() => void> = [];
  for await (const msg of batch) {
    if (stopping()) {
      msg.nak();
      continue;
    }
    const event = parse(msg.string());
    const key = (event && customerOf(event)) ?? `message:${msg.seq}`;
    while (inFlight >= CONCURRENCY) await new Promise<void>((resolve) => waiting.push(resolve));
    inFlight++;
    const next = (chains.get(key) ?? Promise.resolve())
      .then(() => handle(deps, msg, durable, event))
      .catch((err: unknown) => deps.logger.error({ err }, 'stripe event handling failed'))
      .finally(() => {
        inFlight--;
        waiting.shift()?.();
      });
    chains.set(key, next);
  }
  await Promise.all(chains.values());
}

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
  const state = { stopping: false, batch: undefined as ConsumerMessages | undefined };
  const loop = (async () => {
    let failures = 0;
    while (!state.stopping) {
      try {
        state.batch = await consumer.fetch({ max_messages: BATCH, expires: 1000 });
        await processBatch(deps, state.batch, durable, () => state.stopping);
        failures = 0;
      } catch (error) {
        deps.logger.warn({ err: error }, 'stripe consumer fetch failed; retrying');
        await new Promise((resolve) => setTimeout(resolve, backoffDelay(++failures, 100, 5000)));
      }
    }
  })();
  return {
    async stop() {
      state.stopping = true;
      await state.batch?.close();
      await loop;
    },
  };
}
