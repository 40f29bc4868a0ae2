import {
  addInterval,
  type Interval,
  type Json,
  list,
  type SeedPlan,
  type StripeObject,
  type SubscriptionStatus,
  snapshot,
  stripeId,
} from './objects.js';
import { invalidParam, missingParam, resourceMissing, StripeApiError } from './stripeError.js';

export type StripeEvent = StripeObject & {
  type: string;
  data: { object: Json; previous_attributes?: Json };
};

interface SubscriptionExtra {
  interval: Interval;
  trialWillEndSent: boolean;
}

const DAY = 86_400;
const API_VERSION = '2026-10-28.endive';

/**
 * The fake's Stripe account: objects, the billing engine (trials, renewals, failed payments, cancel at
 * period end, plan changes) and the event log. Everything is synchronous, so concurrent API calls
 * are applied one at a time, as Stripe serialises writes to one object.
 */
export class FakeStripeState {
  readonly objects = new Map<string, StripeObject>();
  readonly events: StripeEvent[] = [];
  private readonly listeners = new Set<(event: StripeEvent) => void>();
  private readonly subscriptionExtras = new Map<string, SubscriptionExtra>();
  /** Customers whose card is declined from now on. */
  private readonly decliningCustomers = new Set<string>();
  private invoiceNumber = 0;
  private clockSeconds: number;

  constructor(
    plans: readonly SeedPlan[],
    now: Date,
    private readonly checkoutBaseUrl = 'https://checkout.stripe.test',
  ) {
    this.clockSeconds = Math.floor(now.getTime() / 1000);
    for (const plan of plans) this.seedPlan(plan);
  }

  now(): number {
    return this.clockSeconds;
  }

  onEvent(listener: (event: StripeEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get(id: string, param?: string): StripeObject {
    const object = this.objects.get(id);
    if (!object) throw resourceMissing(id, param);
    return object;
  }

  /** Objects of one kind, newest first (Stripe's list order). */
  all(kind: string): StripeObject[] {
    return [...this.objects.values()].filter((o) => o.object === kind).reverse();
  }

  // ---- customers, products, prices -------------------------------------------------------------

  createCustomer(params: { email?: string; name?: string; metadata?: Record<string, string> }): StripeObject {
    const customer = this.put({
      id: stripeId('cus'),
      object: 'customer',
      created: this.now(),
      email: params.email ?? null,
      name: params.name ?? null,
      metadata: params.metadata ?? {},
      livemode: false,
      delinquent: false,
      invoice_settings: { default_payment_method: null, custom_fields: null, footer: null },
    });
    this.emit('customer.created', customer);
    return customer;
  }

  updateCustomer(id: string, params: { email?: string; name?: string; metadata?: Record<string, string> }) {
    const customer = this.get(id);
    return this.update(customer, 'customer.updated', {
      ...(params.email === undefined ? {} : { email: params.email }),
      ...(params.name === undefined ? {} : { name: params.name }),
      ...(params.metadata === undefined
        ? {}
        : { metadata: { ...(customer.metadata as Record<string, string>), ...params.metadata } }),
    });
  }

  private seedPlan(plan: SeedPlan): void {
    const product = this.put({
      id: `prod_${plan.planId}`,
      object: 'product',
      created: this.now(),
      name: plan.name,
      active: true,
      livemode: false,
      metadata: { planId: plan.planId },
    });
    for (const price of plan.prices) {
      this.put({
        id: price.stripePriceId,
        object: 'price',
        created: this.now(),
        active: true,
        currency: price.currency,
        unit_amount: price.amount,
        type: 'recurring',
        recurring: { interval: price.interval, interval_count: 1, usage_type: 'licensed', meter: null },
        product: product.id,
        livemode: false,
        lookup_key: null,
        metadata: { planId: plan.planId, trialDays: String(plan.trialDays ?? 0) },
      });
    }
  }

  // ---- checkout ---------------------------------------------------------------------------------

  createCheckoutSession(params: {
    mode?: string;
    customer?: string;
    client_reference_id?: string;
    success_url?: string;
    cancel_url?: string;
    line_items?: Array<{ price?: string; quantity?: string }>;
    metadata?: Record<string, string>;
    subscription_data?: { trial_period_days?: string; metadata?: Record<string, string> };
  }): StripeObject {
    if (params.mode !== 'subscription')
      throw invalidParam('mode', 'The fake supports mode=subscription only.');
    if (!params.success_url) throw missingParam('success_url');
    const [line] = params.line_items ?? [];
    if (!line?.price) throw missingParam('line_items[0][price]');
    const price = this.get(line.price, 'line_items[0][price]');
    if (params.customer) this.get(params.customer, 'customer');
    const id = stripeId('cs_test');
    return this.put({
      id,
      object: 'checkout.session',
      created: this.now(),
      expires_at: this.now() + DAY,
      mode: 'subscription',
      status: 'open',
      payment_status: 'unpaid',
      customer: params.customer ?? null,
      client_reference_id: params.client_reference_id ?? null,
      success_url: params.success_url.replaceAll('{CHECKOUT_SESSION_ID}', id),
      cancel_url: params.cancel_url ?? null,
      url: `${this.checkoutBaseUrl}/c/pay/${id}`,
      currency: price.currency,
      amount_total: price.unit_amount,
      subscription: null,
      invoice: null,
      livemode: false,
      metadata: params.metadata ?? {},
      // Kept on the session so completion can create the subscription as Checkout would.
      line_items_price: price.id,
      trial_period_days: Number(params.subscription_data?.trial_period_days ?? 0),
      subscription_metadata: params.subscription_data?.metadata ?? {},
    });
  }

  expireCheckoutSession(id: string): StripeObject {
    const session = this.get(id);
    if (session.status !== 'open') {
      throw new StripeApiError(400, 'invalid_request_error', `Only open sessions can be expired.`);
    }
    return this.update(session, 'checkout.session.expired', { status: 'expired' });
  }

  /** What a paying customer does on the hosted page: the subscription starts and the session completes. */
  completeCheckoutSession(id: string): StripeObject {
    const session = this.get(id);
    if (session.status !== 'open') {
      throw new StripeApiError(400, 'invalid_request_error', `Checkout session ${id} is ${session.status}.`);
    }
    const customerId = (session.customer as string | null) ?? this.createCustomer({ metadata: {} }).id;
    if (this.decliningCustomers.has(customerId)) {
      throw new StripeApiError(402, 'card_error', 'Your card was declined.', 'card_declined');
    }
    const subscription = this.startSubscription(
      customerId,
      session.line_items_price as string,
      session.trial_period_days as number,
      session.subscription_metadata as Record<string, string>,
    );
    return this.update(session, 'checkout.session.completed', {
      status: 'complete',
      payment_status: subscription.status === 'trialing' ? 'no_payment_required' : 'paid',
      customer: customerId,
      subscription: subscription.id,
      invoice: subscription.latest_invoice,
    });
  }

  // ---- subscriptions ----------------------------------------------------------------------------

  private startSubscription(
    customer: string,
    priceId: string,
    trialDays: number,
    metadata: Record<string, string>,
  ): StripeObject {
    const price = this.get(priceId);
    const interval = (price.recurring as { interval: Interval }).interval;
    const now = this.now();
    const trialEnd = trialDays > 0 ? now + trialDays * DAY : null;
    const id = stripeId('sub');
    const subscription = this.put({
      id,
      object: 'subscription',
      created: now,
      start_date: now,
      billing_cycle_anchor: trialEnd ?? now,
      customer,
      // Checkout only completes once the first payment went through (declines are refused earlier).
      status: trialEnd ? 'trialing' : 'active',
      currency: price.currency,
      collection_method: 'charge_automatically',
      cancel_at_period_end: false,
      cancel_at: null,
      canceled_at: null,
      ended_at: null,
      cancellation_details: { comment: null, feedback: null, reason: null },
      trial_start: trialEnd ? now : null,
      trial_end: trialEnd,
      pause_collection: null,
      latest_invoice: null,
      livemode: false,
      metadata,
      items: list(
        [
          {
            id: stripeId('si'),
            object: 'subscription_item',
            created: now,
            current_period_start: now,
            current_period_end: trialEnd ?? addInterval(now, interval),
            metadata: {},
            price: snapshot(price),
            quantity: 1,
            subscription: id,
          },
        ],
        `/v1/subscription_items?subscription=${id}`,
      ),
    });
    this.subscriptionExtras.set(id, { interval, trialWillEndSent: false });
    this.emit('customer.subscription.created', subscription);
    const invoice = this.invoice(
      subscription,
      'subscription_create',
      trialEnd ? 0 : (price.unit_amount as number),
    );
    this.collect(subscription, invoice, trialEnd ? 'trialing' : 'active');
    return this.get(id);
  }

  updateSubscription(
    id: string,
    params: {
      cancel_at_period_end?: string;
      items?: Array<{ id?: string; price?: string }>;
      proration_behavior?: string;
      metadata?: Record<string, string>;
    },
  ): StripeObject {
    const subscription = this.get(id);
    if (subscription.status === 'canceled' || subscription.status === 'incomplete_expired') {
      throw new StripeApiError(
        400,
        'invalid_request_error',
        `A canceled subscription can only update its cancellation_details and metadata.`,
      );
    }
    const changes: Record<string, Json> = {};
    if (params.cancel_at_period_end !== undefined) {
      const cancel = params.cancel_at_period_end === 'true';
      changes.cancel_at_period_end = cancel;
      changes.cancel_at = cancel ? this.periodEnd(subscription) : null;
      changes.canceled_at = cancel ? this.now() : null;
    }
    if (params.metadata) {
      changes.metadata = { ...(subscription.metadata as Record<string, string>), ...params.metadata };
    }
    const [itemParams] = params.items ?? [];
    let prorationAmount = 0;
    if (itemParams?.price) {
      const price = this.get(itemParams.price, 'items[0][price]');
      const item = this.item(subscription);
      if (itemParams.id !== undefined && itemParams.id !== item.id)
        throw resourceMissing(itemParams.id, 'items[0][id]');
      const old = item.price as { unit_amount: number };
      const remaining = Math.max(0, (item.current_period_end as number) - this.now());
      const length = Math.max(1, (item.current_period_end as number) - (item.current_period_start as number));
      prorationAmount = Math.round((((price.unit_amount as number) - old.unit_amount) * remaining) / length);
      const interval = (price.recurring as { interval: Interval }).interval;
      const extra = this.extra(id);
      const newItem: Record<string, Json> = { ...item, price: snapshot(price) };
      if (interval !== extra.interval) {
        // An interval change restarts the billing cycle now, as Stripe does.
        newItem.current_period_start = this.now();
        newItem.current_period_end = addInterval(this.now(), interval);
        extra.interval = interval;
      }
      changes.items = list([newItem], (subscription.items as { url: string }).url);
    }
    const updated = this.update(subscription, 'customer.subscription.updated', changes);
    // Stripe bills an upgrade's prorated difference now with always_invoice, on the next invoice otherwise.
    if (
      prorationAmount > 0 &&
      updated.status === 'active' &&
      params.proration_behavior === 'always_invoice'
    ) {
      this.collect(updated, this.invoice(updated, 'subscription_update', prorationAmount), 'active');
    }
    return this.get(id);
  }

  cancelSubscription(id: string): StripeObject {
    const subscription = this.get(id);
    if (subscription.status === 'canceled') {
      throw new StripeApiError(
        400,
        'invalid_request_error',
        `No such subscription: '${id}' is already canceled.`,
      );
    }
    return this.endSubscription(subscription, 'cancellation_requested');
  }

  private endSubscription(subscription: StripeObject, reason: string): StripeObject {
    const now = this.now();
    return this.update(subscription, 'customer.subscription.deleted', {
      status: 'canceled',
      ended_at: now,
      canceled_at: (subscription.canceled_at as number | null) ?? now,
      cancellation_details: { comment: null, feedback: null, reason },
    });
  }

  // ---- invoices and payments --------------------------------------------------------------------

  private invoice(subscription: StripeObject, reason: string, amount: number): StripeObject {
    const item = this.item(subscription);
    const price = item.price as { id: string; product: string; currency: string };
    const id = stripeId('in');
    const number = `FAKE-${String(++this.invoiceNumber).padStart(4, '0')}`;
    const periodStart = item.current_period_start as number;
    const periodEnd = item.current_period_end as number;
    const invoice = this.put({
      id,
      object: 'invoice',
      created: this.now(),
      customer: subscription.customer,
      number,
      status: 'open',
      currency: price.currency,
      amount_due: amount,
      amount_paid: 0,
      amount_remaining: amount,
      subtotal: amount,
      total: amount,
      attempt_count: 0,
      attempted: false,
      billing_reason: reason,
      collection_method: 'charge_automatically',
      hosted_invoice_url: `https://invoice.stripe.test/i/${id}`,
      invoice_pdf: `https://invoice.stripe.test/i/${id}/pdf`,
      period_start: periodStart,
      period_end: periodEnd,
      next_payment_attempt: null,
      livemode: false,
      metadata: {},
      parent: {
        type: 'subscription_details',
        quote_details: null,
        subscription_details: { subscription: subscription.id, metadata: snapshot(subscription.metadata) },
      },
      lines: list(
        [
          {
            id: stripeId('il'),
            object: 'line_item',
            amount,
            currency: price.currency,
            description: `1 × ${price.product}`,
            period: { start: periodStart, end: periodEnd },
            pricing: { type: 'price_details', price_details: { price: price.id, product: price.product } },
            quantity: 1,
          },
        ],
        `/v1/invoices/${id}/lines`,
      ),
      status_transitions: {
        finalized_at: this.now(),
        paid_at: null,
        voided_at: null,
        marked_uncollectible_at: null,
      },
    });
    this.emit('invoice.created', invoice);
    this.emit('invoice.finalized', invoice);
    this.update(subscription, null, { latest_invoice: id });
    return invoice;
  }

  /** Charges an open invoice; the subscription moves to `onSuccess` or to past_due. */
  private collect(stale: StripeObject, invoice: StripeObject, onSuccess: SubscriptionStatus): boolean {
    const subscription = this.get(stale.id);
    const customer = subscription.customer as string;
    const declined = this.decliningCustomers.has(customer) && (invoice.amount_due as number) > 0;
    const attempts = (invoice.attempt_count as number) + 1;
    if (declined) {
      this.update(invoice, 'invoice.payment_failed', {
        attempt_count: attempts,
        attempted: true,
        next_payment_attempt: this.now() + 3 * DAY,
      });
      const status = subscription.status === 'incomplete' ? 'incomplete' : 'past_due';
      if (subscription.status !== status)
        this.update(subscription, 'customer.subscription.updated', { status });
      return false;
    }
    this.update(invoice, null, {
      status: 'paid',
      amount_paid: invoice.amount_due,
      amount_remaining: 0,
      attempt_count: attempts,
      attempted: true,
      next_payment_attempt: null,
      status_transitions: {
        ...(invoice.status_transitions as Record<string, Json>),
        paid_at: this.now(),
      },
    });
    this.emit('invoice.paid', this.get(invoice.id));
    this.emit('invoice.payment_succeeded', this.get(invoice.id));
    const current = this.get(subscription.id);
    if (current.status !== onSuccess)
      this.update(current, 'customer.subscription.updated', { status: onSuccess });
    return true;
  }

  /** Test helper: every charge for this customer is declined (or succeeds again with `false`). */
  setCardDeclines(customerId: string, declines = true): void {
    this.get(customerId);
    if (declines) this.decliningCustomers.add(customerId);
    else this.decliningCustomers.delete(customerId);
  }

  /** Pays an open invoice (a retry after the customer fixed the card); throws card_error if declined. */
  payInvoice(id: string): StripeObject {
    const invoice = this.get(id);
    if (invoice.status !== 'open') {
      throw new StripeApiError(
        400,
        'invalid_request_error',
        `Invoice is already ${invoice.status}.`,
        'invoice_not_open',
      );
    }
    const parent = invoice.parent as { subscription_details: { subscription: string } };
    const subscription = this.get(parent.subscription_details.subscription);
    if (!this.collect(subscription, invoice, 'active')) {
      throw new StripeApiError(402, 'card_error', 'Your card was declined.', 'card_declined');
    }
    return this.get(id);
  }

  // ---- the clock ----------------------------------------------------------------------------------

  /** Moves time forward and runs what falls due in order: trial reminders, trial ends, renewals. */
  advance(seconds: number): void {
    const target = this.clockSeconds + Math.max(0, Math.floor(seconds));
    for (;;) {
      const next = this.nextDue(target);
      if (!next) break;
      this.clockSeconds = Math.max(this.clockSeconds, next.at);
      next.run();
    }
    this.clockSeconds = target;
  }

  private nextDue(target: number): { at: number; run: () => void } | undefined {
    let best: { at: number; run: () => void } | undefined;
    const consider = (at: number, run: () => void) => {
      if (at <= target && (!best || at < best.at)) best = { at, run };
    };
    for (const subscription of this.all('subscription')) {
      const status = subscription.status as SubscriptionStatus;
      if (status === 'canceled' || status === 'incomplete_expired' || status === 'incomplete') continue;
      const extra = this.extra(subscription.id);
      const periodEnd = this.periodEnd(subscription);
      const trialEnd = subscription.trial_end as number | null;
      if (status === 'trialing' && trialEnd && !extra.trialWillEndSent) {
        consider(trialEnd - 3 * DAY, () => {
          extra.trialWillEndSent = true;
          this.emit('customer.subscription.trial_will_end', this.get(subscription.id));
        });
      }
      consider(periodEnd, () => this.renew(subscription.id));
    }
    return best;
  }

  private renew(id: string): void {
    const subscription = this.get(id);
    if (subscription.cancel_at_period_end) {
      this.endSubscription(subscription, 'cancellation_requested');
      return;
    }
    const item = this.item(subscription);
    const start = item.current_period_end as number;
    const end = addInterval(start, this.extra(id).interval);
    const wasTrial = subscription.status === 'trialing';
    const renewed = this.update(subscription, 'customer.subscription.updated', {
      items: list(
        [{ ...item, current_period_start: start, current_period_end: end }],
        (subscription.items as { url: string }).url,
      ),
      ...(wasTrial ? { status: 'active' } : {}),
    });
    const amount = (item.price as { unit_amount: number }).unit_amount;
    this.collect(renewed, this.invoice(renewed, 'subscription_cycle', amount), 'active');
  }

  // ---- plumbing ---------------------------------------------------------------------------------

  private periodEnd(subscription: StripeObject): number {
    return this.item(subscription).current_period_end as number;
  }

  private item(subscription: StripeObject): Record<string, Json> {
    const items = subscription.items as { data: Array<Record<string, Json>> };
    const [item] = items.data;
    if (!item) throw new StripeApiError(500, 'api_error', 'subscription without items');
    return item;
  }

  private extra(id: string): SubscriptionExtra {
    const extra = this.subscriptionExtras.get(id);
    if (!extra) throw resourceMissing(id);
    return extra;
  }

  private put(object: StripeObject): StripeObject {
    // Map order = creation order; `all()` reverses it for Stripe's newest-first lists.
    this.objects.set(object.id, object);
    return object;
  }

  /** Replaces fields (a new object, so snapshots already handed out never change) and emits `eventType`. */
  private update(
    object: StripeObject,
    eventType: string | null,
    changes: Record<string, Json>,
  ): StripeObject {
    const previous: Record<string, Json> = {};
    for (const key of Object.keys(changes)) previous[key] = snapshot(object[key] ?? null);
    const next = { ...object, ...changes } as StripeObject;
    // Map.set on an existing key keeps its position, so lists keep creation order.
    this.objects.set(object.id, next);
    if (eventType) this.emit(eventType, next, previous);
    return next;
  }

  private emit(type: string, object: StripeObject, previous?: Record<string, Json>): StripeEvent {
    const event: StripeEvent = {
      id: stripeId('evt'),
      object: 'event',
      api_version: API_VERSION,
      created: this.now(),
      livemode: false,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
      type,
      data: {
        object: snapshot(object),
        ...(previous && Object.keys(previous).length > 0 ? { previous_attributes: previous } : {}),
      },
    };
    this.events.push(event);
    for (const listener of this.listeners) listener(event);
    return event;
  }
}
