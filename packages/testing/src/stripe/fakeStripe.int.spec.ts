import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeStripe } from './fakeStripe.js';
import { StripeWebhookSender } from './webhookSender.js';

const DAY = 86_400;
const plans = [
  {
    planId: 'pro',
    name: 'Pro',
    trialDays: 0,
    prices: [
      { interval: 'month' as const, stripePriceId: 'price_pro_month', amount: 1500, currency: 'eur' },
      { interval: 'year' as const, stripePriceId: 'price_pro_year', amount: 15000, currency: 'eur' },
    ],
  },
  {
    planId: 'team',
    name: 'Team',
    trialDays: 14,
    prices: [
      { interval: 'month' as const, stripePriceId: 'price_team_month', amount: 4900, currency: 'eur' },
    ],
  },
];

// The real `stripe` client against the fake: this proves the fake speaks what the client sends and
// parses (wire format, errors, idempotency). Stripe's own behaviour is modelled, not proven, here.
describe('fake Stripe API driven by the real stripe client', () => {
  let fake: FakeStripe;
  let stripe: Stripe;

  beforeAll(async () => {
    fake = await FakeStripe.start({ plans, now: new Date('2026-01-01T00:00:00Z') });
    stripe = new Stripe(fake.apiKey, { ...fake.clientOptions, maxNetworkRetries: 0 });
  });
  afterAll(() => fake.close());

  const checkout = async (price: string, trialDays = 0) => {
    const customer = await stripe.customers.create({ email: 'a@example.com', metadata: { userId: 'u1' } });
    const session = await stripe.checkout.sessions.create({
      mode: 'subscription',
      customer: customer.id,
      client_reference_id: 'u1',
      line_items: [{ price, quantity: 1 }],
      success_url: 'https://app.test/done?session_id={CHECKOUT_SESSION_ID}',
      cancel_url: 'https://app.test/cancel',
      subscription_data: {
        metadata: { userId: 'u1' },
        ...(trialDays ? { trial_period_days: trialDays } : {}),
      },
    });
    fake.completeCheckout(session.id);
    const done = await stripe.checkout.sessions.retrieve(session.id);
    return { customer, session, done, subscriptionId: done.subscription as string };
  };

  it('replays a keyed create and refuses the key with other parameters', async () => {
    const a = await stripe.customers.create({ email: 'x@example.com' }, { idempotencyKey: 'cust-1' });
    const b = await stripe.customers.create({ email: 'x@example.com' }, { idempotencyKey: 'cust-1' });
    expect(b.id).toBe(a.id);
    await expect(
      stripe.customers.create({ email: 'other@example.com' }, { idempotencyKey: 'cust-1' }),
    ).rejects.toMatchObject({ type: 'StripeIdempotencyError' });
  });

  it('answers an unknown object with Stripe’s 404 shape', async () => {
    await expect(stripe.subscriptions.retrieve('sub_missing')).rejects.toMatchObject({
      type: 'StripeInvalidRequestError',
      statusCode: 404,
      code: 'resource_missing',
    });
    const bad = new Stripe('sk_test_wrong', { ...fake.clientOptions, maxNetworkRetries: 0 });
    await expect(bad.customers.list()).rejects.toMatchObject({ statusCode: 401 });
  });

  it('completes a checkout into an active subscription with item periods and a paid invoice', async () => {
    const { session, done, subscriptionId, customer } = await checkout('price_pro_month');
    expect(session.url).toContain(session.id);
    expect(done.success_url).toBe(`https://app.test/done?session_id=${session.id}`);
    expect(done).toMatchObject({ status: 'complete', payment_status: 'paid', client_reference_id: 'u1' });
    const sub = await stripe.subscriptions.retrieve(subscriptionId, { expand: ['latest_invoice'] });
    expect(sub.status).toBe('active');
    expect(sub.metadata).toEqual({ userId: 'u1' });
    const [item] = sub.items.data;
    expect(item?.price.id).toBe('price_pro_month');
    expect(item && item.current_period_end - item.current_period_start).toBe(31 * DAY);
    const invoice = sub.latest_invoice as Stripe.Invoice;
    expect(invoice).toMatchObject({ status: 'paid', amount_paid: 1500, currency: 'eur' });
    expect(invoice.parent?.subscription_details?.subscription).toBe(subscriptionId);
    const invoices = await stripe.invoices.list({ customer: customer.id });
    expect(invoices.data.map((i) => i.id)).toEqual([invoice.id]);
    const types = fake.events.filter((e) => JSON.stringify(e).includes(subscriptionId)).map((e) => e.type);
    expect(types).toEqual(
      expect.arrayContaining(['customer.subscription.created', 'invoice.paid', 'checkout.session.completed']),
    );
  });

  it('renews, fails a payment into past_due, recovers, cancels at period end', async () => {
    const { subscriptionId, customer } = await checkout('price_pro_month');
    fake.advance(31 * DAY + 1);
    expect((await stripe.invoices.list({ customer: customer.id })).data).toHaveLength(2);
    fake.setCardDeclines(customer.id);
    fake.advance(31 * DAY);
    const pastDue = await stripe.subscriptions.retrieve(subscriptionId);
    expect(pastDue.status).toBe('past_due');
    const open = (await stripe.invoices.list({ customer: customer.id, status: 'open' })).data[0];
    expect(open?.attempt_count).toBe(1);
    fake.setCardDeclines(customer.id, false);
    await stripe.invoices.pay(open?.id ?? '');
    expect((await stripe.subscriptions.retrieve(subscriptionId)).status).toBe('active');
    const canceling = await stripe.subscriptions.update(subscriptionId, { cancel_at_period_end: true });
    expect(canceling.cancel_at_period_end).toBe(true);
    fake.advance(32 * DAY);
    expect((await stripe.subscriptions.retrieve(subscriptionId)).status).toBe('canceled');
    expect((await stripe.subscriptions.list({ customer: customer.id })).data).toEqual([]);
    expect((await stripe.subscriptions.list({ customer: customer.id, status: 'all' })).data).toHaveLength(1);
  });

  it('runs a trial: reminder three days before, then the first charge', async () => {
    const { subscriptionId } = await checkout('price_team_month', 14);
    const sub = await stripe.subscriptions.retrieve(subscriptionId);
    expect(sub.status).toBe('trialing');
    fake.advance(11 * DAY + 1);
    expect(fake.events.at(-1)).toMatchObject({ type: 'customer.subscription.trial_will_end' });
    fake.advance(3 * DAY);
    expect((await stripe.subscriptions.retrieve(subscriptionId)).status).toBe('active');
  });

  it('changes plan on the subscription item and opens a portal session', async () => {
    const { subscriptionId, customer } = await checkout('price_pro_month');
    const sub = await stripe.subscriptions.retrieve(subscriptionId);
    const changed = await stripe.subscriptions.update(subscriptionId, {
      items: [{ id: sub.items.data[0]?.id ?? '', price: 'price_pro_year' }],
      proration_behavior: 'always_invoice',
    });
    expect(changed.items.data[0]?.price.id).toBe('price_pro_year');
    const portal = await stripe.billingPortal.sessions.create({
      customer: customer.id,
      return_url: 'https://app.test',
    });
    expect(portal.url).toMatch(/^https:\/\//);
  });

  it('signs webhooks that stripe.webhooks.constructEvent accepts, and faults it rejects', async () => {
    const received: string[] = [];
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        try {
          const event = stripe.webhooks.constructEvent(
            Buffer.concat(chunks),
            String(req.headers['stripe-signature']),
            'whsec_test',
            300,
          );
          received.push(event.id);
          res.writeHead(200).end();
        } catch {
          res.writeHead(400).end();
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const sender = new StripeWebhookSender(url, 'whsec_test');
    const event = fake.events[0];
    if (!event) throw new Error('no events');
    expect((await sender.send(event, { times: 2 })).map((d) => d.status)).toEqual([200, 200]);
    expect((await sender.send(event, { secret: 'whsec_other' }))[0]?.status).toBe(400);
    expect((await sender.send(event, { timestamp: Math.floor(Date.now() / 1000) - 301 }))[0]?.status).toBe(
      400,
    );
    expect((await sender.send(event, { truncateTo: 20 }))[0]?.status).toBe(400);
    expect((await sender.send(event, { unsigned: true }))[0]?.status).toBe(400);
    expect(received).toEqual([event.id, event.id]);
    sender.attach(fake);
    const customer = await stripe.customers.create({ email: 'hook@example.com' });
    await sender.flush();
    expect(received.length).toBe(3);
    expect(fake.events.at(-1)?.data.object).toMatchObject({ id: customer.id });
    await sender.stop();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
});
