/** An error in Stripe's wire shape: `{ error: { type, code, message, param } }` with its HTTP status. */
export class StripeApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: 'invalid_request_error' | 'card_error' | 'idempotency_error' | 'api_error',
    message: string,
    readonly code?: string,
    readonly param?: string,
  ) {
    super(message);
  }

  body(): Record<string, unknown> {
    return {
      error: {
        type: this.type,
        message: this.message,
        ...(this.code === undefined ? {} : { code: this.code }),
        ...(this.param === undefined ? {} : { param: this.param }),
      },
    };
  }
}

const NAMES: Record<string, string> = {
  cus: 'customer',
  sub: 'subscription',
  in: 'invoice',
  cs: 'checkout.session',
  price: 'price',
  prod: 'product',
  evt: 'event',
};

/** Stripe's 404: `No such subscription: 'sub_…'`. */
export const resourceMissing = (id: string, param?: string): StripeApiError => {
  const name = NAMES[id.split('_')[0] ?? ''] ?? 'object';
  return new StripeApiError(
    404,
    'invalid_request_error',
    `No such ${name}: '${id}'`,
    'resource_missing',
    param,
  );
};

/** Stripe's 400 for a missing parameter. */
export const missingParam = (param: string): StripeApiError =>
  new StripeApiError(
    400,
    'invalid_request_error',
    `Missing required param: ${param}.`,
    'parameter_missing',
    param,
  );

/** Stripe's 400 for a bad parameter value. */
export const invalidParam = (param: string, message: string): StripeApiError =>
  new StripeApiError(400, 'invalid_request_error', message, 'parameter_invalid_string', param);
