import { randomBytes } from 'node:crypto';
import { createGateway, type Gateway, loadGatewayConfig } from '@ledgerline/api-gateway';
import { createLogger, type RunningService, startService } from '@ledgerline/platform';
import { discoverServices, loadServiceDefinition } from '@ledgerline/platform/discover';
import {
  dropServiceSchemas,
  infrastructure,
  type SmtpCapture,
  startSmtpCapture,
  startTestNats,
  type TestNats,
  testPool,
} from '@ledgerline/testing';

/** The cluster an end-to-end test file talks to: the real gateway and every service, on real infrastructure. */
export interface Cluster {
  baseUrl: string;
  /** The private NATS server's URL (for commands the ops CLI sends, like BootstrapAdmin). */
  natsUrl: string;
  smtp: SmtpCapture;
  /** Every running service of the workspace, by name. */
  services: Record<string, RunningService>;
  identity: RunningService;
  /** Stops identity (its NATS subscriptions drain), as an outage would. */
  stopIdentity(): Promise<void>;
  startIdentity(): Promise<void>;
  stop(): Promise<void>;
}

export interface ClusterOptions {
  /** Services this file starts itself (with infrastructure of its own, e.g. a fake Stripe). */
  except?: readonly string[];
}

const PUBLIC_URL = 'http://app.ledgerline.test';

/**
 * Starts a private NATS server with JetStream (so no other test process answers these subjects),
 * an SMTP capture, every service found in the workspace (services/*\/package.json with a
 * `ledgerline.service` and a definition) with schemas of its own, and the gateway, in this process.
 * `overrides` reach every process (each reads only its own variables).
 */
export async function startCluster(
  overrides: Record<string, string> = {},
  options: ClusterOptions = {},
): Promise<Cluster> {
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
    PUBLIC_URL,
    SMTP_URL: smtp.url,
    // Cheaper argon2 keeps the suite fast; the parameters themselves are tested in identity.
    ARGON2_MEMORY_KIB: '8192',
    ARGON2_TIME_COST: '1',
  };
  const excluded = new Set(options.except ?? []);
  const known = discoverServices().filter((s) => !excluded.has(s.name));
  const definitions = (
    await Promise.all(known.map(async (s) => [s.name, await loadServiceDefinition(s)] as const))
  ).filter((entry): entry is [string, NonNullable<(typeof entry)[1]>] => entry[1] !== undefined);
  const schemas = definitions.map(([name]) => `${name.replaceAll('-', '_')}_e2e${id}`);
  const start = (index: number) => {
    const [, definition] = definitions[index]!;
    const env = { ...common, SERVICE_SCHEMA: schemas[index]!, ...overrides };
    return startService(definition, { env, logger, handleSignals: false });
  };
  const services: Record<string, RunningService> = {};
  for (const [index, [name]] of definitions.entries()) services[name] = await start(index);
  const gateway: Gateway = await createGateway({
    config: loadGatewayConfig({
      ...common,
      PORT: '0',
      HOST: '127.0.0.1',
      COOKIE_SECURE: 'false',
      REDIS_KEY_PREFIX: `e2e${id}:`,
      NATS_REQUEST_TIMEOUT_MS: '3000',
      ...overrides,
    }),
    logger,
  });
  const baseUrl = await gateway.listen();
  const identityIndex = definitions.findIndex(([name]) => name === 'identity');

  const cluster: Cluster = {
    baseUrl,
    natsUrl: nats.url,
    smtp,
    services,
    get identity() {
      const identity = services.identity;
      if (!identity) throw new Error('identity is not running in this cluster');
      return identity;
    },
    async stopIdentity() {
      await services.identity?.close();
    },
    async startIdentity() {
      services.identity = await start(identityIndex);
    },
    async stop() {
      await gateway.close();
      // Consumers first, so nothing is left waiting for a service that already stopped.
      for (const service of Object.values(services).reverse()) await service.close().catch(() => undefined);
      await smtp.close();
      await nats.stop();
      const pool = await testPool(2);
      for (const schema of schemas) await dropServiceSchemas(pool, schema);
      await pool.end();
    },
  };
  return cluster;
}
