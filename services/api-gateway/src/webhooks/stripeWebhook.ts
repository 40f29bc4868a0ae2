import { isAscii } from 'node:buffer';
import { externalSubject } from '@ledgerline/contracts';
import { checkStripeSignature } from './stripeSignature.js';

/** What the ingress does with one delivery. */
export type WebhookVerdict =
  | { kind: 'publish'; eventId: string; type: string; subject: string }
  | { kind: 'ignore'; eventId: string; type: string }
  | { kind: 'reject'; reason: string };

export interface VerifyOptions {
  readonly secrets: readonly string[];
  readonly toleranceSeconds: number;
  readonly allowedTypes: ReadonlySet<string>;
}

// Stripe's library decodes the body with a TextDecoder (invalid bytes → U+FFFD, a BOM dropped):
// the same decoding, so the HMAC covers the same text. One instance: decode() keeps no state.
const utf8 = new TextDecoder('utf-8');

/**
 * Verifies a delivery byte for byte with every configured secret (rotation: old and new are both
 * tried) and decides whether to publish it. Pure apart from the clock (`nowMs`, Date.now by default).
 */
export function verifyStripeDelivery(
  rawBody: Uint8Array,
  signature: string | undefined,
  options: VerifyOptions,
  nowMs: number = Date.now(),
): WebhookVerdict {
  if (!signature) return { kind: 'reject', reason: 'missing Stripe-Signature header' };
  if (options.secrets.length === 0) return { kind: 'reject', reason: 'no webhook secret configured' };
  const payload = utf8.decode(rawBody);
  const problem = checkStripeSignature(
    isAscii(rawBody) ? rawBody : payload,
    signature,
    options.secrets,
    options.toleranceSeconds,
    Math.floor(nowMs / 1000),
  );
  if (problem !== undefined) return { kind: 'reject', reason: problem };
  let event: unknown;
  try {
    event = JSON.parse(payload);
  } catch {
    return { kind: 'reject', reason: 'body is not JSON' };
  }
  const { id, type, object } = (event ?? {}) as { id?: unknown; type?: unknown; object?: unknown };
  // A thin (v2) event notification is not a webhook event (constructEvent refuses it too).
  if (
    typeof id !== 'string' ||
    !id.startsWith('evt_') ||
    typeof type !== 'string' ||
    object === 'v2.core.event'
  ) {
    return { kind: 'reject', reason: 'not a Stripe event' };
  }
  if (!options.allowedTypes.has(type)) return { kind: 'ignore', eventId: id, type };
  try {
    return { kind: 'publish', eventId: id, type, subject: externalSubject('stripe', type) };
  } catch {
    return { kind: 'reject', reason: `unexpected event type "${type}"` };
  }
}
