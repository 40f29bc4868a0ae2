import Stripe from 'stripe';

export interface StripeClientConfig {
  readonly STRIPE_SECRET_KEY: string;
  readonly STRIPE_API_URL?: string | undefined;
  readonly STRIPE_TIMEOUT_MS: number;
}

/** The real `stripe` client; STRIPE_API_URL maps onto its host/port/protocol (a local fake in tests). */
export const createStripeClient = (config: StripeClientConfig): Stripe => {
  const base = config.STRIPE_API_URL ? new URL(config.STRIPE_API_URL) : undefined;
  const protocol = base?.protocol === 'http:' ? 'http' : 'https';
  return new Stripe(config.STRIPE_SECRET_KEY, {
    maxNetworkRetries: 2,
    timeout: config.STRIPE_TIMEOUT_MS,
    appInfo: { name: 'ledgerline-billing' },
    ...(base
      ? { host: base.hostname, port: Number(base.port || (protocol === 'http' ? 80 : 443)), protocol }
      : {}),
  });
};
