import { IDENTITY, registry } from '@ledgerline/contracts';
import {
  createDurableConsumer,
  type PostgresEventStore,
  type RunningConsumer,
  runConsumer,
} from '@ledgerline/eventsourcing';
import { ensureStreams, type Logger, type NatsConnection } from '@ledgerline/platform';
import { DeliverPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { Pool } from 'pg';
import type { NotifierConfig } from '../config.js';
import type { Mailer } from '../mail/mailer.js';
import { DeliveryRetryError, deliveryHandler } from './deliveryHandler.js';
import { mailedEventTypes } from './mailPlan.js';

/** Identity's public events on JetStream `EVENTS`. */
export const IDENTITY_EVENTS_FILTER = `evt.${IDENTITY}.>`;

// JetStream may deliver a message more often than we attempt SMTP (a crash, a Postgres outage): the
// headroom lets the delivery stream's own count reach DELIVERY_MAX_ATTEMPTS and dead-letter first.
const DELIVERY_HEADROOM = 2;

export interface DeliveryConsumerDeps {
  nc: NatsConnection;
  pool: Pool;
  store: PostgresEventStore;
  mailer: Mailer;
  logger: Logger;
  config: NotifierConfig;
}

/**
 * Creates (or updates) the durable JetStream consumer on identity's events and runs it: each
 * message is parsed with its contract, deduplicated by the inbox and handed to the delivery
 * handler; failed attempts come back by `nak(delay)` with exponential backoff.
 */
export async function startDeliveryConsumer(deps: DeliveryConsumerDeps): Promise<RunningConsumer> {
  const { config, logger } = deps;
  const service = config.NOTIFIER_SCHEMA_SERVICE;
  const consumer = config.CONSUMER_DURABLE;
  const maxDeliver = config.DELIVERY_MAX_ATTEMPTS + DELIVERY_HEADROOM;
  await ensureStreams(deps.nc);
  await createDurableConsumer({
    jsm: await jetstreamManager(deps.nc),
    durable: consumer,
    filterSubject: IDENTITY_EVENTS_FILTER,
    maxDeliver,
    deliverPolicy: config.CONSUMER_DELIVER_POLICY === 'new' ? DeliverPolicy.New : DeliverPolicy.All,
    description: 'notifier: e-mails for identity events',
  });
  const mailed = new Set(mailedEventTypes.map((type) => `${IDENTITY_EVENTS_FILTER.slice(0, -1)}${type}`));
  const handle = deliveryHandler({
    store: deps.store,
    service,
    consumer,
    mailer: deps.mailer,
    logger,
    sealKey: config.MESSAGE_SEAL_KEY,
    publicUrl: config.PUBLIC_URL,
    mailFrom: config.MAIL_FROM,
    maxAttempts: config.DELIVERY_MAX_ATTEMPTS,
    backoffBaseMs: config.DELIVERY_BACKOFF_BASE_MS,
    backoffMaxMs: config.DELIVERY_BACKOFF_MAX_MS,
  });
  const running = await runConsumer({
    pool: deps.pool,
    service,
    js: jetstream(deps.nc),
    consumer,
    messages: registry,
    handle,
    accepts: (subject) => mailed.has(subject),
    maxDeliver,
    retryBaseDelayMs: config.DELIVERY_BACKOFF_BASE_MS,
    retryMaxDelayMs: config.DELIVERY_BACKOFF_MAX_MS,
    // Failed attempts are logged by the handler already; anything else is the consumer's own trouble.
    onError: (err) => {
      if (!(err instanceof DeliveryRetryError)) logger.error({ err }, 'delivery consumer error');
    },
  });
  logger.info({ consumer, filter: IDENTITY_EVENTS_FILTER, maxDeliver }, 'delivery consumer started');
  return running;
}
