import { migrateService, PostgresEventStore } from '@ledgerline/eventsourcing';
import {
  closeNats,
  connectNats,
  createLogger,
  createService,
  type Logger,
  type ServiceHandle,
} from '@ledgerline/platform';
import pg from 'pg';
import type { NotifierConfig } from './config.js';
import { startDeliveryConsumer } from './deliveries/deliveryConsumer.js';
import { createMailer } from './mail/mailer.js';
import { NotifierModule } from './notifier.module.js';

/** The service name: NATS queue group and `notifier.qry.Health`. */
export const NOTIFIER = 'notifier';

export interface StartNotifierOptions {
  logger?: Logger;
  /** Install SIGTERM/SIGINT handlers (default true; tests pass false). */
  handleSignals?: boolean;
  /** Flushed last on shutdown (main.ts starts it before anything else loads). */
  telemetry?: { shutdown(): Promise<void> };
}

/**
 * Boots the notifier: migrations, the Nest microservice with its health query (NATS, Postgres,
 * SMTP), and the durable delivery consumer. `close()` stops intake first and the pool last.
 */
export async function startNotifier(
  config: NotifierConfig,
  options: StartNotifierOptions = {},
): Promise<ServiceHandle> {
  const logger =
    options.logger ??
    createLogger({ service: NOTIFIER, level: config.LOG_LEVEL, pretty: config.NODE_ENV === 'development' });
  const pool = new pg.Pool({
    connectionString: config.DATABASE_URL,
    max: 10,
    connectionTimeoutMillis: 5_000,
  });
  pool.on('error', (err) => logger.warn({ err }, 'idle postgres client error'));
  const service = config.NOTIFIER_SCHEMA_SERVICE;
  await migrateService(pool, service);
  const store = new PostgresEventStore({ pool, service });
  const mailer = createMailer({
    smtpUrl: config.SMTP_URL,
    from: config.MAIL_FROM,
    timeoutMs: config.SMTP_TIMEOUT_MS,
  });
  // Its own connection: createService drains the request/reply one first on shutdown, while the
  // consumer must still ack the message in hand.
  const nc = await connectNats({
    servers: config.NATS_URL.split(','),
    name: `${NOTIFIER}-deliveries`,
    logger,
  });
  const consumer = await startDeliveryConsumer({ nc, pool, store, mailer, logger, config });
  // Closers run newest first: consumer, then NATS, mailer, store, and the pool last.
  return createService({
    name: NOTIFIER,
    module: NotifierModule,
    config,
    logger,
    pool,
    handleSignals: options.handleSignals,
    healthChecks: { smtp: () => mailer.verify() },
    onShutdown: [
      { name: 'telemetry', close: () => options.telemetry?.shutdown() },
      { name: 'postgres', close: () => pool.end() },
      { name: 'event store', close: () => store.close() },
      { name: 'smtp', close: () => mailer.close() },
      { name: 'nats (deliveries)', close: () => closeNats(nc) },
      { name: 'delivery consumer', close: () => consumer.stop() },
    ],
  });
}
