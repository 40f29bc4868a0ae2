import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FakeStripeState, type StripeEvent } from './fakeStripeState.js';
import { type FormObject, parseForm } from './form.js';
import { type Json, type SeedPlan, type StripeObject, stripeId } from './objects.js';
import { missingParam, resourceMissing, StripeApiError } from './stripeError.js';

export type { StripeEvent } from './fakeStripeState.js';
export type { SeedPlan } from './objects.js';

export interface FakeStripeOptions {
  /** Products and prices are seeded from these (price ids = `stripePriceId`). */
  plans?: readonly SeedPlan[];
  /** The fake's clock starts here (default: now). */
  now?: Date;
  /** The secret key clients must send (default `sk_test_fake`). */
  apiKey?: string;
}

type Params = FormObject & Record<string, unknown>;
type Handler = (params: Params, match: string[]) => Json;
interface Route {
  method: string;
  pattern: RegExp;
  handler: Handler;
}

interface StoredResponse {
  fingerprint: string;
  status: number;
  body: string;
}

/**
 * A stateful fake of the Stripe API over HTTP, for the real `stripe` library (point it here with
 * `clientOptions`). Form-encoded requests, Stripe's error shape, `Idempotency-Key` replay, lists with
 * cursors, `expand[]` of ids, and test helpers to complete checkouts, decline cards and advance time.
 */
export class FakeStripe {
  readonly state: FakeStripeState;
  /** How many API requests each `METHOD path` received (a test can check that a path was not called). */
  readonly requestCounts = new Map<string, number>();
  private readonly idempotency = new Map<string, StoredResponse>();
  private readonly routes: Route[];

  private constructor(
    private readonly server: Server,
    readonly apiKey: string,
    state: FakeStripeState,
  ) {
    this.state = state;
    this.routes = this.buildRoutes();
  }

  /** Starts the fake on a free port of 127.0.0.1. */
  static async start(options: FakeStripeOptions = {}): Promise<FakeStripe> {
    const state = new FakeStripeState(options.plans ?? [], options.now ?? new Date());
    const server = createServer();
    const fake = new FakeStripe(server, options.apiKey ?? 'sk_test_fake', state);
    server.on('request', (req, res) => void fake.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** `http://127.0.0.1:<port>`: what STRIPE_API_URL is set to. */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Options for `new Stripe(key, clientOptions)`. */
  get clientOptions(): { host: string; port: number; protocol: 'http' } {
    return { host: '127.0.0.1', port: this.port, protocol: 'http' };
  }

  get events(): readonly StripeEvent[] {
    return this.state.events;
  }

  /** Calls `listener` for every event from now on (the webhook sender attaches here). */
  onEvent(listener: (event: StripeEvent) => void): () => void {
    return this.state.onEvent(listener);
  }

  /** Completes a Checkout Session as a paying customer would; returns the completed session. */
  completeCheckout(sessionId: string): StripeObject {
    return this.state.completeCheckoutSession(sessionId);
  }

  /** Every charge for this customer is declined until called again with `false`. */
  setCardDeclines(customerId: string, declines = true): void {
    this.state.setCardDeclines(customerId, declines);
  }

  /** Retries an open invoice now (e.g. after the customer fixed the card). */
  payInvoice(invoiceId: string): StripeObject {
    return this.state.payInvoice(invoiceId);
  }

  /** Advances the fake clock, running trial reminders, trial ends, renewals and cancellations that fall due. */
  advance(seconds: number): void {
    this.state.advance(seconds);
  }

  now(): number {
    return this.state.now();
  }

  object(id: string): StripeObject {
    return this.state.get(id);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // ---- HTTP -------------------------------------------------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = req.method ?? 'GET';
    const requestId = stripeId('req');
    const send = (status: number, payload: string, replayed = false) => {
      res.writeHead(status, {
        'content-type': 'application/json',
        'request-id': requestId,
        ...(replayed ? { 'idempotent-replayed': 'true' } : {}),
      });
      res.end(payload);
    };
    const auth = req.headers.authorization ?? '';
    if (auth !== `Bearer ${this.apiKey}`) {
      const error = new StripeApiError(401, 'invalid_request_error', 'Invalid API Key provided.');
      send(401, JSON.stringify(error.body()));
      return;
    }
    const key = `${method} ${url.pathname}`;
    this.requestCounts.set(key, (this.requestCounts.get(key) ?? 0) + 1);
    const idempotencyKey = method === 'POST' ? req.headers['idempotency-key'] : undefined;
    const fingerprint = createHash('sha256').update(`${key}\n${body}`).digest('hex');
    if (typeof idempotencyKey === 'string') {
      const stored = this.idempotency.get(idempotencyKey);
      if (stored && stored.fingerprint !== fingerprint) {
        const error = new StripeApiError(
          400,
          'idempotency_error',
          `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${idempotencyKey}' if you meant to execute a different request.`,
        );
        send(400, JSON.stringify(error.body()));
        return;
      }
      if (stored) {
        send(stored.status, stored.body, true);
        return;
      }
    }
    const params = (
      method === 'GET' || method === 'DELETE' ? parseForm(url.search.slice(1)) : parseForm(body)
    ) as Params;
    const { status, payload } = this.dispatch(method, url.pathname, params);
    // Stripe stores the result of a keyed request, errors included, except 5xx (those may be retried).
    if (typeof idempotencyKey === 'string' && status < 500) {
      this.idempotency.set(idempotencyKey, { fingerprint, status, body: payload });
    }
    send(status, payload);
  }

  private dispatch(method: string, path: string, params: Params): { status: number; payload: string } {
    try {
      for (const route of this.routes) {
        if (route.method !== method) continue;
        const match = route.pattern.exec(path);
        if (!match) continue;
        const result = route.handler(params, match.slice(1));
        return { status: 200, payload: JSON.stringify(this.expand(result, params.expand), null, 2) };
      }
      throw new StripeApiError(
        404,
        'invalid_request_error',
        `Unrecognized request URL (${method}: ${path}).`,
      );
    } catch (err) {
      const error =
        err instanceof StripeApiError ? err : new StripeApiError(500, 'api_error', (err as Error).message);
      return { status: error.status, payload: JSON.stringify(error.body()) };
    }
  }

  /** `expand[]=latest_invoice` / `expand[]=data.subscription`: replaces ids with objects (one level). */
  private expand(result: Json, expand: unknown): Json {
    if (!Array.isArray(expand) || result === null || typeof result !== 'object' || Array.isArray(result)) {
      return result;
    }
    const out = structuredClone(result) as Record<string, Json>;
    for (const path of expand as string[]) {
      const [head, field] = path.split('.');
      if (head === 'data' && field && Array.isArray(out.data)) {
        out.data = out.data.map((item) => this.expandField(item, field));
      } else if (head) {
        Object.assign(out, this.expandField(out, head));
      }
    }
    return out;
  }

  private expandField(item: Json, field: string): Json {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) return item;
    const value = item[field];
    if (typeof value !== 'string') return item;
    const object = this.state.objects.get(value);
    return object ? { ...item, [field]: object } : item;
  }

  private buildRoutes(): Route[] {
    const s = this.state;
    const get =
      (kind: string) =>
      (_p: Params, [id = '']: string[]) => {
        const object = s.get(id);
        if (object.object !== kind) throw resourceMissing(id);
        return object;
      };
    const route = (method: string, path: string, handler: Handler): Route => ({
      method,
      pattern: new RegExp(`^${path.replace(/:id/g, '([A-Za-z0-9_]+)')}$`),
      handler,
    });
    return [
      route('POST', '/v1/customers', (p) => s.createCustomer(p as never)),
      route('GET', '/v1/customers/:id', get('customer')),
      route('POST', '/v1/customers/:id', (p, [id = '']) => s.updateCustomer(id, p as never)),
      route('GET', '/v1/customers', (p) => this.list(p, 'customer', '/v1/customers', { email: 'email' })),
      route('GET', '/v1/products/:id', get('product')),
      route('GET', '/v1/products', (p) => this.list(p, 'product', '/v1/products', {})),
      route('GET', '/v1/prices/:id', get('price')),
      route('GET', '/v1/prices', (p) => this.list(p, 'price', '/v1/prices', { product: 'product' })),
      route('POST', '/v1/checkout/sessions', (p) => s.createCheckoutSession(p as never)),
      route('GET', '/v1/checkout/sessions/:id', get('checkout.session')),
      route('POST', '/v1/checkout/sessions/:id/expire', (_p, [id = '']) => s.expireCheckoutSession(id)),
      route('GET', '/v1/checkout/sessions', (p) =>
        this.list(p, 'checkout.session', '/v1/checkout/sessions', {
          customer: 'customer',
          subscription: 'subscription',
        }),
      ),
      route('GET', '/v1/subscriptions/:id', get('subscription')),
      route('POST', '/v1/subscriptions/:id', (p, [id = '']) => s.updateSubscription(id, p as never)),
      route('DELETE', '/v1/subscriptions/:id', (_p, [id = '']) => s.cancelSubscription(id)),
      route('GET', '/v1/subscriptions', (p) => this.listSubscriptions(p)),
      route('GET', '/v1/invoices/:id', get('invoice')),
      route('POST', '/v1/invoices/:id/pay', (_p, [id = '']) => s.payInvoice(id)),
      route('GET', '/v1/invoices', (p) =>
        this.list(p, 'invoice', '/v1/invoices', { customer: 'customer', status: 'status' }, (invoice) => {
          const sub = p.subscription;
          const parent = invoice.parent as { subscription_details?: { subscription: string } } | null;
          return sub === undefined || parent?.subscription_details?.subscription === sub;
        }),
      ),
      route('POST', '/v1/billing_portal/sessions', (p) => this.portalSession(p)),
      route('GET', '/v1/events/:id', (_p, [id = '']) => {
        const event = s.events.find((e) => e.id === id);
        if (!event) throw resourceMissing(id);
        return event;
      }),
      route('GET', '/v1/events', (p) =>
        this.paginate(p, [...s.events].reverse(), '/v1/events', { type: 'type' }),
      ),
    ];
  }

  private portalSession(p: Params): Json {
    if (typeof p.customer !== 'string') throw missingParam('customer');
    this.state.get(p.customer, 'customer');
    const id = stripeId('bps');
    return {
      id,
      object: 'billing_portal.session',
      created: this.state.now(),
      customer: p.customer,
      return_url: typeof p.return_url === 'string' ? p.return_url : null,
      url: `https://billing.stripe.test/p/session/${id}`,
      livemode: false,
      configuration: 'bpc_fake',
      flow: null,
      locale: null,
      on_behalf_of: null,
    };
  }

  private listSubscriptions(p: Params): Json {
    // Stripe lists every status but `canceled` unless asked (`status=all` or a status).
    const status = typeof p.status === 'string' ? p.status : undefined;
    return this.list(p, 'subscription', '/v1/subscriptions', { customer: 'customer' }, (sub) => {
      if (status === 'all') return true;
      if (status === undefined) return sub.status !== 'canceled' && sub.status !== 'incomplete_expired';
      return sub.status === status;
    });
  }

  private list(
    p: Params,
    kind: string,
    url: string,
    filters: Record<string, string>,
    extra: (object: StripeObject) => boolean = () => true,
  ): Json {
    return this.paginate(p, this.state.all(kind).filter(extra), url, filters);
  }

  private paginate(
    p: Params,
    items: readonly StripeObject[],
    url: string,
    filters: Record<string, string>,
  ): Json {
    let rows = items.filter((item) =>
      Object.entries(filters).every(([param, field]) => p[param] === undefined || item[field] === p[param]),
    );
    const limit = Math.min(100, Math.max(1, Number(p.limit ?? 10)));
    if (typeof p.starting_after === 'string') {
      const index = rows.findIndex((row) => row.id === p.starting_after);
      if (index === -1) throw resourceMissing(p.starting_after, 'starting_after');
      rows = rows.slice(index + 1);
    }
    return { object: 'list', data: rows.slice(0, limit), has_more: rows.length > limit, url };
  }
}
