import { isAppError } from '@ledgerline/contracts';
import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { mapStripeError, withStripeErrors } from './stripeErrors.js';

describe('Stripe failures in the project’s error codes', () => {
  it('turns an unreachable or overloaded Stripe into UNAVAILABLE and a bad cursor into VALIDATION', async () => {
    const down = new Stripe.errors.StripeConnectionError({ message: 'connect ECONNREFUSED' });
    expect(mapStripeError(down)).toMatchObject({ code: 'UNAVAILABLE' });
    const cursor = new Stripe.errors.StripeInvalidRequestError({
      message: 'No such invoice',
      param: 'starting_after',
    });
    expect(mapStripeError(cursor)).toMatchObject({ code: 'VALIDATION' });
    await expect(withStripeErrors(async () => Promise.reject(down))()).rejects.toMatchObject({
      code: 'UNAVAILABLE',
    });
  });

  it('leaves every other error as it is', () => {
    const other = new Stripe.errors.StripeInvalidRequestError({
      message: 'No such price',
      param: 'items[0][price]',
    });
    expect(mapStripeError(other)).toBe(other);
    const plain = new Error('boom');
    expect(mapStripeError(plain)).toBe(plain);
    expect(isAppError(mapStripeError(plain))).toBe(false);
  });
});
