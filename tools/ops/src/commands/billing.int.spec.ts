import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { billingService, DEFAULT_PLANS_FILE, loadPlanFile } from '@ledgerline/billing';
import { getMeQuery, ok, startCheckoutCommand } from '@ledgerline/contracts';
import {
  closeNats,
  connectNats,
  createLogger,
  natsRequest,
  newRootMeta,
  startService,
} from '@ledgerline/platform';
import {
  dropServiceSchemas,
  FakeStripe,
  infrastructure,
  startTestNats,
  testPool,
  uniqueServiceName,
} from '@ledgerline/testing';
import { describe, expect, it } from 'vitest';
import { runCli } from '../testing/runCli.test-helpers.js';

describe('ledgerline billing reconcile (fake Stripe API, real Postgres/NATS)', () => {
  it('applies a subscription whose webhooks never arrived, one line per correction and a count', async () => {
    const infra = await infrastructure();
    const nats = await startTestNats({ jetstream: true });
    const stripe = await FakeStripe.start({ plans: loadPlanFile(DEFAULT_PLANS_FILE).plans });
    const schema = uniqueServiceName('billing_ops');
    const client = await connectNats({ servers: nats.url, name: 'ops-billing-test' });
    client.subscribe(getMeQuery.subject, {
      callback: (_err, msg) => {
        const { userId } = JSON.parse(msg.string()) as { userId: string };
        const profile = {
          ...{ id: userId, email: 'ops@example.com', displayName: 'Ops', avatarFileId: null, locale: 'en' },
          ...{ emailVerified: true, role: 'user', tier: 'free', mfaEnabled: false, status: 'active' },
          createdAt: '2026-01-01T00:00:00.000Z',
        };
        msg.respond(JSON.stringify(ok(profile)));
      },
    });
    const env = {
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      NATS_URL: nats.url,
      DATABASE_URL: infra.databaseUrl,
      SERVICE_SCHEMA: schema,
      STRIPE_API_URL: stripe.url,
      STRIPE_SECRET_KEY: stripe.apiKey,
    };
    try {
      // Billing knows the customer (checkout started), but Stripe's webhooks never reach it.
      const billing = await startService(billingService, {
        env,
        logger: createLogger({ service: 'billing', level: 'silent' }),
        handleSignals: false,
      });
      const userId = randomUUID();
      const meta = newRootMeta({ type: 'user', id: userId, roles: ['user'] });
      const { sessionId } = await natsRequest(
        client,
        startCheckoutCommand,
        { planId: 'pro', interval: 'month' },
        { meta },
      );
      const session = stripe.completeCheckout(sessionId);
      await billing.close();

      const first = await runCli(['billing', 'reconcile'], { env });
      expect(first.stderr).toBe('');
      expect(first.code).toBe(0);
      expect(first.stdout).toContain(
        `corrected ${session.subscription as string} (user ${userId}): subscription`,
      );
      expect(first.stdout.trim().split('\n').at(-1)).toBe('1 corrected of 1 subscriptions (1 customers)');

      const second = await runCli(['billing', 'reconcile'], { env });
      expect(second.stdout.trim()).toBe('0 corrected of 1 subscriptions (1 customers)');
    } finally {
      await closeNats(client);
      await nats.stop();
      await stripe.close();
      const pool = await testPool(2);
      await dropServiceSchemas(pool, schema);
      await pool.end();
    }
  }, 120_000);
});
