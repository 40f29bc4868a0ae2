import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import {
  changeUserTierCommand,
  getMeQuery,
  type MessageMeta,
  ok,
  type ReplyDataOf,
  type RequestContract,
  type RequestOf,
  uuidv7,
} from '@ledgerline/contracts';
import {
  closeNats,
  connectNats,
  ensureStreams,
  type NatsConnection,
  natsRequest,
  newRootMeta,
  type RunningService,
  startService,
} from '@ledgerline/platform';
import {
  dropServiceSchemas,
  FakeStripe,
  infrastructure,
  type StripeEvent,
  startTestNats,
  type TestNats,
  testPool,
  uniqueServiceName,
} from '@ledgerline/testing';
import { jetstream } from '@nats-io/jetstream';
import pino from 'pino';
import type { BillingDeps } from '../billingDeps.js';
import { DEFAULT_PLANS_FILE } from '../config.js';
import { loadPlanFile } from '../plans/planCatalog.js';
import billing, { subscriptions } from '../service.js';
import { billingStreamId } from '../subscriptions/billingAccount.js';

/** How Stripe events reach billing's EXTERNAL stream: as they happen, held for a test to send, or lost. */
export type Forwarding = 'deliver' | 'hold' | 'drop';

/**
 * Billing on real Postgres and a private NATS with JetStream, against the fake Stripe API, with
 * identity played by two responders (GetMe, ChangeUserTier) that record what they received. Stripe
 * events are published to EXTERNAL exactly as the webhook ingress does (raw payload, Nats-Msg-Id).
 */
export class BillingHarness {
  readonly tierChanges: Array<{ userId: string; tier: string; idempotencyKey: string | undefined }> = [];
  identityUp = true;
  forwarding: Forwarding = 'deliver';
  held: StripeEvent[] = [];
  service!: RunningService;
  private readonly published: Promise<unknown>[] = [];

  private constructor(
    readonly nats: TestNats,
    readonly client: NatsConnection,
    readonly stripe: FakeStripe,
    readonly schema: string,
    private readonly env: Record<string, string>,
  ) {}

  static async start(overrides: Record<string, string> = {}): Promise<BillingHarness> {
    const infra = await infrastructure();
    const nats = await startTestNats({ jetstream: true });
    const client = await connectNats({ servers: nats.url, name: 'billing-test' });
    await ensureStreams(client);
    const stripe = await FakeStripe.start({ plans: loadPlanFile(DEFAULT_PLANS_FILE).plans });
    const schema = uniqueServiceName('billing');
    const env = {
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      DATABASE_URL: infra.databaseUrl,
      NATS_URL: nats.url,
      REDIS_URL: infra.redisUrl,
      SERVICE_SCHEMA: schema,
      STRIPE_API_URL: stripe.url,
      STRIPE_SECRET_KEY: stripe.apiKey,
      ...overrides,
    };
    const harness = new BillingHarness(nats, client, stripe, schema, env);
    harness.fakeIdentity();
    stripe.onEvent((event) => harness.forward(event));
    await harness.startBilling();
    return harness;
  }

  async startBilling(): Promise<void> {
    this.service = await startService(billing, {
      env: this.env,
      logger: pino({ level: 'silent' }),
      handleSignals: false,
    });
  }

  get deps(): BillingDeps {
    return this.service.depsOf(subscriptions);
  }

  /** Publishes a Stripe event to EXTERNAL as the ingress does (duplicates dedup on Nats-Msg-Id). */
  async publish(event: StripeEvent): Promise<void> {
    const js = jetstream(this.client);
    await js.publish(`ext.stripe.${event.type}`, JSON.stringify(event, null, 2), { msgID: event.id });
  }

  /** Publishes an identity event envelope on `evt.identity.<type>`, as identity's relay does. */
  async publishIdentityEvent(type: string, data: Record<string, unknown>): Promise<void> {
    const id = uuidv7();
    const envelope = {
      id,
      type,
      schemaVersion: 1,
      streamId: `account-${data.userId}`,
      streamPosition: 1,
      globalPosition: 1,
      occurredAt: new Date().toISOString(),
      data,
      meta: { correlationId: `corr-${id}` },
    };
    await jetstream(this.client).publish(`evt.identity.${type}`, JSON.stringify(envelope), { msgID: id });
  }

  /** Publishes with a fresh Nats-Msg-Id: a redelivery JetStream's window would not catch (the inbox must). */
  async publishAgain(event: StripeEvent): Promise<void> {
    const js = jetstream(this.client);
    await js.publish(`ext.stripe.${event.type}`, JSON.stringify(event, null, 2), { msgID: randomUUID() });
  }

  private forward(event: StripeEvent): void {
    if (this.forwarding === 'hold') this.held.push(event);
    if (this.forwarding === 'deliver') this.published.push(this.publish(event));
  }

  async flushForwarded(): Promise<void> {
    await Promise.all(this.published.splice(0));
  }

  /** A user known to identity (GetMe answers for any id). */
  newUser(): string {
    return randomUUID();
  }

  metaOf(userId: string, roles: string[] = ['user']): MessageMeta {
    return newRootMeta({ type: 'user', id: userId, roles });
  }

  request<C extends RequestContract>(
    contract: C,
    payload: RequestOf<C>,
    userId: string,
  ): Promise<ReplyDataOf<C>> {
    return natsRequest(this.client, contract, payload, { meta: this.metaOf(userId), timeoutMs: 15_000 });
  }

  /** Billing's stored event types for a user, in order. */
  async eventTypes(userId: string): Promise<string[]> {
    const events = await this.deps.store.readStream(billingStreamId(userId));
    return events.map((e) => e.type);
  }

  tiersOf(userId: string): string[] {
    return this.tierChanges.filter((c) => c.userId === userId).map((c) => c.tier);
  }

  private fakeIdentity(): void {
    this.client.subscribe(getMeQuery.subject, {
      queue: 'identity',
      callback: (_err, msg) => {
        const { userId } = JSON.parse(msg.string()) as { userId: string };
        const profile = {
          id: userId,
          email: `${userId.slice(0, 8)}@example.com`,
          displayName: 'Test User',
          avatarFileId: null,
          locale: 'en',
          emailVerified: true,
          role: 'user',
          tier: 'free',
          mfaEnabled: false,
          status: 'active',
          createdAt: '2026-01-01T00:00:00.000Z',
        };
        msg.respond(JSON.stringify(ok(profile)));
      },
    });
    this.client.subscribe(changeUserTierCommand.subject, {
      queue: 'identity',
      callback: (_err, msg) => {
        if (!this.identityUp) return; // no reply: the saga's outbox sends it again
        const payload = JSON.parse(msg.string()) as { userId: string; tier: string };
        const idempotencyKey = msg.headers?.get('ll-idempotency-key') || undefined;
        const last = this.tiersOf(payload.userId).at(-1);
        // Identity's ChangeTier records nothing when the tier is already the user's (state-idempotent).
        if (last !== payload.tier) this.tierChanges.push({ ...payload, idempotencyKey });
        msg.respond(JSON.stringify(ok(payload)));
      },
    });
  }

  async close(): Promise<void> {
    await this.service?.close();
    await closeNats(this.client).catch(() => undefined);
    await this.nats.stop();
    await this.stripe.close();
    const pool = await testPool(2);
    await dropServiceSchemas(pool, this.schema);
    await pool.end();
  }
}

/** True once billing's Stripe consumer has taken the Stripe event `eventId` (its inbox row exists). */
export async function consumed(h: BillingHarness, eventId: string): Promise<boolean> {
  const { rows } = await h.deps.pool.query(
    `SELECT 1 FROM "${h.schema}_es"."inbox" WHERE consumer = $1 AND message_id = $2`,
    [h.deps.settings.BILLING_STRIPE_CONSUMER, eventId],
  );
  return rows.length > 0;
}
