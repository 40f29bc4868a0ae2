import { describe, expect, it } from 'vitest';
import { formatMoney } from './billingNotices.js';
import { render } from './render.js';

describe('billing e-mails', () => {
  it('formats minor units in the recipient’s locale, zero-decimal currencies included', () => {
    expect(formatMoney(1500, 'eur', 'en')).toBe('€15.00');
    expect(formatMoney(1500, 'eur', 'de')).toMatch(/^15,00\s€$/);
    expect(formatMoney(500, 'jpy', 'en')).toBe('¥500');
  });

  it('tells a failed payment with its amount, the end of the grace period and the portal link', () => {
    const mail = render('paymentFailed', {
      displayName: 'Ada',
      amountLabel: formatMoney(9900, 'eur'),
      portalUrl: 'https://billing.stripe.test/p/session/bps_1',
      graceUntil: '2026-12-07T10:00:00.000Z',
    });
    expect(mail.subject).toBe('Your payment of €99.00 failed');
    expect(mail.text).toContain('https://billing.stripe.test/p/session/bps_1');
    expect(mail.text).toContain('December 7, 2026');
    expect(mail.html).toContain('href="https://billing.stripe.test/p/session/bps_1"');
  });

  it('omits the portal link and the grace sentence when there are none', () => {
    const mail = render('paymentFailed', {
      displayName: 'Ada',
      amountLabel: '€1.00',
      portalUrl: null,
      graceUntil: null,
    });
    expect(mail.text).not.toContain('Update your payment method');
    expect(mail.text).not.toContain('stays active');
  });
});
