import { createHmac } from 'node:crypto';
import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { verifyStripeDelivery } from './stripeWebhook.js';

// The reference: Stripe's own check, every configured secret tried in turn (as the ingress did).
const SECRETS = ['whsec_old', 'whsec_new'];
const TOLERANCE = 300;
const NOW = 1_790_000_000; // seconds: both checks read the same instant

function stripeAccepts(body: Buffer, header: string): boolean {
  for (const secret of SECRETS) {
    try {
      Stripe.webhooks.constructEvent(body, header, secret, TOLERANCE, undefined, NOW * 1000);
      return true;
    } catch {
      // the next secret
    }
  }
  return false;
}

const ours = (body: Buffer, header: string): boolean =>
  verifyStripeDelivery(
    body,
    header,
    { secrets: SECRETS, toleranceSeconds: TOLERANCE, allowedTypes: new Set(['invoice.paid']) },
    NOW * 1000,
  ).kind !== 'reject';

const event = JSON.stringify(
  { id: 'evt_1', object: 'event', type: 'invoice.paid', data: { object: {} } },
  null,
  2,
);
const sign = (payload: string, secret = 'whsec_old', timestamp = NOW) =>
  Stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp });
const v1 = (header: string) => header.split('v1=')[1] ?? '';

// Each case: a body and a Stripe-Signature header, and whether Stripe accepts it.
const cases: Array<[name: string, body: string | Buffer, header: string, accepted: boolean]> = [
  ['signed with the old secret', event, sign(event), true],
  ['signed with the new secret (rotation)', event, sign(event, 'whsec_new'), true],
  ['signed with another secret', event, sign(event, 'whsec_attacker'), false],
  [
    'one of several v1 signatures matches',
    event,
    `t=${NOW},v1=${'0'.repeat(64)},v1=${v1(sign(event))}`,
    true,
  ],
  ['only a v0 signature', event, `t=${NOW},v0=${v1(sign(event))}`, false],
  ['no timestamp', event, `v1=${v1(sign(event))}`, false],
  ['empty header', event, '', false],
  ['garbage header', event, 'nonsense', false],
  ['signature in upper case', event, `t=${NOW},v1=${v1(sign(event)).toUpperCase()}`, false],
  ['signature one digit short', event, `t=${NOW},v1=${v1(sign(event)).slice(1)}`, false],
  ['timestamp altered after signing', event, `t=${NOW + 1},v1=${v1(sign(event))}`, false],
  ['301 s old (a replay)', event, sign(event, 'whsec_old', NOW - 301), false],
  ['exactly 300 s old', event, sign(event, 'whsec_old', NOW - 300), true],
  ['from the future', event, sign(event, 'whsec_old', NOW + 60), true],
  ['body truncated after signing', event.slice(0, 40), sign(event), false],
  ['body re-serialised after signing', JSON.stringify(JSON.parse(event)), sign(event), false],
  ['one byte changed', event.replace('evt_1', 'evt_2'), sign(event), false],
  ['validly signed body that is not JSON', 'this is not json', sign('this is not json'), false],
  ['validly signed empty body', '', sign(''), false],
  [
    'non-ASCII text',
    event.replace('{}', '{"name":"Zoë 🚀"}'),
    sign(event.replace('{}', '{"name":"Zoë 🚀"}')),
    true,
  ],
  [
    'a UTF-8 byte order mark (dropped before the HMAC, as Stripe does)',
    Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(event)]),
    sign(event),
    true,
  ],
  [
    'invalid UTF-8 (decoded to U+FFFD, as Stripe does)',
    Buffer.from([...Buffer.from('{"id":"evt_1","type":"invoice.paid","x":"'), 0xff, ...Buffer.from('"}')]),
    sign('{"id":"evt_1","type":"invoice.paid","x":"\uFFFD"}'),
    true,
  ],
  ['unknown items ignored, as Stripe does', event, `${sign(event)},v0=abc,foo=bar`, true],
];

describe('the ingress signature check against stripe.webhooks.constructEvent', () => {
  it.each(cases)('%s', (_name, body, header, accepted) => {
    const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
    expect(stripeAccepts(bytes, header)).toBe(accepted);
    expect(ours(bytes, header)).toBe(accepted);
  });

  it('refuses a timestamp that is not a number, which Stripe would accept without any expiry', () => {
    // Stripe parses `t=never` as NaN, checks the HMAC of `NaN.<payload>` and then skips its
    // tolerance check: a signature that never expires. The ingress refuses it (its one deliberate
    // difference from constructEvent).
    const hmac = createHmac('sha256', 'whsec_old').update(`NaN.${event}`).digest('hex');
    const header = `t=never,v1=${hmac}`;
    const bytes = Buffer.from(event);
    expect(stripeAccepts(bytes, header)).toBe(true);
    expect(ours(bytes, header)).toBe(false);
  });
});
