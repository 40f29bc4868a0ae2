import { UnavailableError, ValidationError } from '@ledgerline/contracts';

const UNAVAILABLE = new Set(['StripeConnectionError', 'StripeAPIError', 'StripeRateLimitError']);

/**
 * Stripe's failures in the project's error codes: Stripe unreachable or overloaded → UNAVAILABLE
 * (503, retry later), a bad cursor → VALIDATION; anything else is left as it is.
 */
export const mapStripeError = (error: unknown): unknown => {
  const e = error as { type?: string; param?: string; message?: string } | null;
  if (!e || typeof e.type !== 'string') return error;
  if (UNAVAILABLE.has(e.type))
    return new UnavailableError('Stripe is not reachable; retry later', undefined, { cause: error });
  if (e.type === 'StripeInvalidRequestError' && e.param === 'starting_after') {
    return new ValidationError('invalid cursor', { cursor: 'not a page of yours' });
  }
  return error;
};

/** Runs a handler and maps a Stripe failure it throws (see mapStripeError). */
export const withStripeErrors =
  <A extends unknown[], R>(handler: (...args: A) => Promise<R> | R) =>
  async (...args: A): Promise<R> => {
    try {
      return await handler(...args);
    } catch (error) {
      throw mapStripeError(error);
    }
  };
