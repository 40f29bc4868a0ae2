import { createHmac, timingSafeEqual } from 'node:crypto';

/** Why a `Stripe-Signature` header was refused, or `undefined` when it holds. */
export type SignatureProblem = string | undefined;

/**
 * Stripe's documented webhook signature scheme (docs.stripe.com/webhooks#verify-manually):
 * `Stripe-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>…]`; a `v1` is HMAC-SHA256 of
 * `${t}.${payload}` keyed by the endpoint secret; any `v1` matching any secret passes (compared in
 * constant time), then `t` must be at most `toleranceSeconds` old.
 *
 * Why not `stripe.webhooks.constructEvent` on the hot path: per call and per secret it builds two
 * TextDecoders, decodes the body twice, re-parses the header, tests the secret with a regex and
 * builds its error messages' strings; with two secrets during a rotation it does all of it twice.
 * Here the header is parsed once, the body decoded once (by the caller, who also JSON-parses that
 * same text) and only the HMAC is repeated per secret. stripeSignature.unit.spec.ts proves this
 * accepts and refuses the same deliveries as `constructEvent`. One deliberate difference: a header
 * whose `t` is not a number is refused here (Stripe's parser turns it into NaN and then skips its
 * tolerance check, i.e. such a signature would never expire).
 *
 * `payload` is the body decoded as Stripe decodes it (UTF-8 via TextDecoder), so the HMAC covers
 * the same text Stripe's own check would; when the body is pure ASCII its raw bytes are that text's
 * UTF-8 encoding already, and the caller may pass them instead (no re-encoding per secret).
 */
export function checkStripeSignature(
  payload: string | Uint8Array,
  header: string,
  secrets: readonly string[],
  toleranceSeconds: number,
  nowSeconds: number,
): SignatureProblem {
  if (payload.length === 0) return 'No webhook payload was provided.';
  const parsed = parseSignatureHeader(header);
  if (parsed === undefined) return 'Unable to extract timestamp and signatures from header';
  if (parsed.signatures.length === 0) return 'No signatures found with expected scheme';
  const prefix = `${parsed.timestamp}.`;
  let matched = false;
  for (const secret of secrets) {
    if (isBlank(secret)) continue;
    const hmac = createHmac('sha256', secret).update(prefix, 'utf8');
    const expected = (
      typeof payload === 'string' ? hmac.update(payload, 'utf8') : hmac.update(payload)
    ).digest();
    for (const candidate of parsed.signatures) matched = sameHex(expected, candidate) || matched;
    if (matched) break;
  }
  if (!matched) return 'No signatures found matching the expected signature for payload.';
  if (nowSeconds - parsed.timestamp > toleranceSeconds) return 'Timestamp outside the tolerance zone';
  return undefined;
}

interface SignatureHeader {
  readonly timestamp: number;
  readonly signatures: readonly string[];
}

// Stripe's own reading: items split on ',', key and value on '=' (the value is what precedes a
// second '='), the last `t` wins, parsed as an integer prefix ("t=12x" is 12).
function parseSignatureHeader(header: string): SignatureHeader | undefined {
  let timestamp: number | undefined;
  const signatures: string[] = [];
  for (const item of header.split(',')) {
    const [key, value] = item.split('=');
    if (key === 't') timestamp = Number.parseInt(value as string, 10);
    else if (key === 'v1' && value !== undefined) signatures.push(value);
  }
  if (timestamp === undefined || !Number.isFinite(timestamp)) return undefined;
  return { timestamp, signatures };
}

// Stripe compares the hex strings; comparing the decoded bytes is the same test as long as the
// candidate is exactly 64 lowercase hex digits (digest('hex') is lowercase), checked first.
const HEX64 = /^[0-9a-f]{64}$/;
function sameHex(expected: Buffer, candidate: string): boolean {
  if (!HEX64.test(candidate)) return false;
  return timingSafeEqual(expected, Buffer.from(candidate, 'hex'));
}

const isBlank = (secret: string): boolean => /^[ \t\r\n\f\v]*$/.test(secret);
