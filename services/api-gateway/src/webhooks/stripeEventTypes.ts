/** Stripe event types the ingress publishes by default; anything else is acknowledged and dropped. */
export const DEFAULT_STRIPE_EVENT_TYPES: readonly string[] = Object.freeze([
  'checkout.session.completed',
  'checkout.session.async_payment_succeeded',
  'checkout.session.async_payment_failed',
  'checkout.session.expired',
  'customer.subscription.created',
  'customer.subscription.updated',
  'customer.subscription.deleted',
  'customer.subscription.paused',
  'customer.subscription.resumed',
  'customer.subscription.trial_will_end',
  // invoice.paid, not also invoice.payment_succeeded (Stripe's advice: one of the two, same fact).
  'invoice.paid',
  'invoice.payment_failed',
  'invoice.payment_action_required',
]);
