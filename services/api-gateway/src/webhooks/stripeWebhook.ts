import { externalSubject } from '@ledgerline/contracts';
import Stripe from 'stripe';

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

/**
 * Verifies a delivery byte for byte with every configured secret (rotation: old and new are both
 * tried) and decides whether to publish it. Pure apart from the clock the Stripe library reads.
 */
export function verifyStripeDelivery(
  rawBody: Buffer,
  signature: string | undefined,
  options: VerifyOptions,
): WebhookVerdict {
  if (!signature) return { kind: 'reject', reason: 'missing Stripe-Signature header' };
  let event: Stripe.Event | undefined;
  let lastError = 'no webhook secret configured';
  for (const secret of options.secrets) {
    try {
      event = Stripe.webhooks.constructEvent(rawBody, signature, secret, options.toleranceSeconds);
      break;
    } catch (err) {
      lastError = err instanceof Error ? err.message : String(err);
      // A valid signature over a body that is not JSON is not worth trying other secrets for.
      if (err instanceof SyntaxError) return { kind: 'reject', reason: 'body is not JSON' };
    }
  }
  if (!event) return { kind: 'reject', reason: firstLine(lastError) };
  const { id, type } = event as { id?: unknown; type?: unknown };
  if (typeof id !== 'string' || !id.startsWith('evt_') || typeof type !== 'string') {
    return { kind: 'reject', reason: 'not a Stripe event' };
  }
  if (!options.allowedTypes.has(type)) return { kind: 'ignore', eventId: id, type };
  try {
    return { kind: 'publish', eventId: id, type, subject: externalSubject('stripe', type) };
  } catch {
    return { kind: 'reject', reason: `unexpected event type "${type}"` };
  }
}

const firstLine = (message: string): string => message.split('\n')[0] ?? message;
