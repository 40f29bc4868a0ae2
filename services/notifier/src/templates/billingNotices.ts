import type { LocalizedTemplate } from './template.js';

// Billing e-mails (dunning and reminders). Amounts arrive in minor units with their currency and are
// formatted in the recipient's locale by `it.money`.

/** Sent on billing's PaymentFailed: the amount, when access ends, and the portal link to fix it. */
export const paymentFailed: LocalizedTemplate<'paymentFailed'> = {
  en: {
    subject: (d) => `Your payment of ${d.amountLabel} failed`,
    html: `<p>Hello <%= it.displayName %>,</p>
<p>We could not collect your payment of <strong><%= it.amountLabel %></strong> for your Ledgerline subscription.</p>
<% if (it.graceUntil) { %><p>Your plan stays active until <%= it.date(it.graceUntil) %>; after that your account moves to the free plan.</p><% } %>
<% if (it.portalUrl) { %><p><a href="<%= it.portalUrl %>">Update your payment method</a></p><% } %>`,
    text: `Hello <%= it.displayName %>,

We could not collect your payment of <%= it.amountLabel %> for your Ledgerline subscription.
<% if (it.graceUntil) { %>Your plan stays active until <%= it.date(it.graceUntil) %>; after that your account moves to the free plan.
<% } %><% if (it.portalUrl) { %>Update your payment method: <%= it.portalUrl %>
<% } %>`,
  },
};

/** Sent on billing's PaymentRecovered: a failed invoice was paid after all. */
export const paymentRecovered: LocalizedTemplate<'paymentRecovered'> = {
  en: {
    subject: () => 'Payment received, thank you',
    html: `<p>Hello <%= it.displayName %>,</p>
<p>We received your payment of <strong><%= it.amountLabel %></strong>. Your subscription is active again.</p>`,
    text: `Hello <%= it.displayName %>,

We received your payment of <%= it.amountLabel %>. Your subscription is active again.
`,
  },
};

/** Sent on billing's TrialEnding, three days before the first charge. */
export const trialEnding: LocalizedTemplate<'trialEnding'> = {
  en: {
    subject: (d) => `Your ${d.planName} trial ends soon`,
    html: `<p>Hello <%= it.displayName %>,</p>
<p>Your <%= it.planName %> trial ends on <%= it.date(it.trialEnd) %>. Your payment method will be charged then unless you cancel.</p>`,
    text: `Hello <%= it.displayName %>,

Your <%= it.planName %> trial ends on <%= it.date(it.trialEnd) %>. Your payment method will be charged then unless you cancel.
`,
  },
};

/** Sent on billing's SubscriptionCancelScheduled (e.g. the account was deactivated). */
export const subscriptionCancelScheduled: LocalizedTemplate<'subscriptionCancelScheduled'> = {
  en: {
    subject: () => 'Your subscription will end',
    html: `<p>Hello <%= it.displayName %>,</p>
<p>Your subscription was canceled<% if (it.endsAt) { %> and ends on <%= it.date(it.endsAt) %><% } %>. You will not be charged again.</p>`,
    text: `Hello <%= it.displayName %>,

Your subscription was canceled<% if (it.endsAt) { %> and ends on <%= it.date(it.endsAt) %><% } %>. You will not be charged again.
`,
  },
};

/** An amount in minor units as the recipient reads it: `money(1500, 'eur', 'de')` → "15,00 €". */
export const formatMoney = (minor: number, currency: string, locale = 'en'): string => {
  const code = currency.toUpperCase();
  const digits =
    new Intl.NumberFormat('en', { style: 'currency', currency: code }).resolvedOptions()
      .maximumFractionDigits ?? 2;
  try {
    return new Intl.NumberFormat(locale, { style: 'currency', currency: code }).format(minor / 10 ** digits);
  } catch {
    return `${(minor / 10 ** digits).toFixed(digits)} ${code}`;
  }
};
