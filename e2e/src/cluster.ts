import { randomBytes } from 'node:crypto';
import { createGateway, type Gateway, loadGatewayConfig } from '@ledgerline/api-gateway';
import { type IdentityService, startIdentity } from '@ledgerline/identity';
import { loadNotifierConfig, startNotifier } from '@ledgerline/notifier';
import { createLogger, type ServiceHandle } from '@ledgerline/platform';
import {
  dropServiceSchemas,
  infrastructure,
  type SmtpCapture,
  startSmtpCapture,
  startTestNats,
  type TestNats,
  testPool,
} from '@ledgerline/testing';

/** The cluster an end-to-end test file talks to: real gateway, identity and notifier on real infrastructure. */
export interface Cluster {
  baseUrl: string;
  /** The private NATS server's URL (for commands the ops CLI sends, like BootstrapAdmin). */
  natsUrl: string;
  smtp: SmtpCapture;
  identity: IdentityService;
  /** Stops identity (its NATS subscriptions drain), as an outage would. */
  stopIdentity(): Promise<void>;
  startIdentity(): Promise<void>;
  stop(): Promise<void>;
}

const PUBLIC_URL = 'http://app.ledgerline.test';

/**
 * Starts a private NATS server with JetStream (so no other test process answers these subjects),
 * an SMTP capture, and the three services with schemas of their own, all in this process.
 */
export async function startCluster(overrides: Record<string, string> = {}): Promise<Cluster> {
  const { databaseUrl, redisUrl } = await infrastructure();
  const nats: TestNats = await startTestNats({ jetstream: true });
  const smtp = await startSmtpCapture();
  const id = randomBytes(4).toString('hex');
  const logger = createLogger({ service: 'e2e', level: 'error' });
  const common = {
    NODE_ENV: 'test',
    LOG_LEVEL: 'error',
    DATABASE_URL: databaseUrl,
    NATS_URL: nats.url,
    REDIS_URL: redisUrl,
  };
  const identityEnv = {
    ...common,
    IDENTITY_SCHEMA_SERVICE: `identity-e2e${id}`,
    PUBLIC_URL,
    // Cheaper argon2 keeps the suite fast; the parameters themselves are tested in identity.
    ARGON2_MEMORY_KIB: '8192',
    ARGON2_TIME_COST: '1',
    ...overrides,
  };
  let identity = await startIdentity({ env: identityEnv, logger, handleSignals: false });
  const notifierSchema = `notifier-e2e${id}`;
  const notifier: ServiceHandle = await startNotifier(
    loadNotifierConfig({
      ...common,
      NOTIFIER_SCHEMA_SERVICE: notifierSchema,
      SMTP_URL: smtp.url,
      PUBLIC_URL,
      CONSUMER_DURABLE: `notifier-e2e${id}`,
    }),
    { logger, handleSignals: false },
  );
  const gateway: Gateway = await createGateway({
    config: loadGatewayConfig({
      ...common,
      PORT: '0',
      HOST: '127.0.0.1',
      PUBLIC_URL,
      COOKIE_SECURE: 'false',
      REDIS_KEY_PREFIX: `e2e${id}:`,
      NATS_REQUEST_TIMEOUT_MS: '3000',
      ...overrides,
    }),
    logger,
  });
  const baseUrl = await gateway.listen();

  const cluster: Cluster = {
    baseUrl,
    natsUrl: nats.url,
    smtp,
    identity,
    async stopIdentity() {
      await identity.close();
    },
    async startIdentity() {
      identity = await startIdentity({ env: identityEnv, logger, handleSignals: false });
      cluster.identity = identity;
    },
    async stop() {
      await gateway.close();
      await notifier.close();
      await identity.close().catch(() => undefined);
      await smtp.close();
      await nats.stop();
      const pool = await testPool(2);
      await dropServiceSchemas(pool, identityEnv.IDENTITY_SCHEMA_SERVICE);
      await dropServiceSchemas(pool, notifierSchema);
      await pool.end();
    },
  };
  return cluster;
}
