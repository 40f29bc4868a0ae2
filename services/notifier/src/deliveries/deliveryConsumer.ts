import { type EventContract, type EventEnvelope, registry } from '@ledgerline/contracts';
import {
  backoffDelay,
  createDurableConsumer,
  type EventContractLookup,
  type PostgresEventStore,
  parkMessage,
  parseReceived,
  type RunningConsumer,
  receive,
} from '@ledgerline/eventsourcing';
import {
  ensureStreams,
  type Logger,
  metaFromNatsHeaders,
  type NatsConnection,
  newRootMeta,
  runWithMessageContext,
  schemaOf,
  withConsumerSpan,
} from '@ledgerline/platform';
import { DeliverPolicy, type JsMsg, jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { Pool } from 'pg';
import type { NotifierConfig } from '../config.js';
import type { Mailer } from '../mail/mailer.js';
import { type DeliveryHandlerDeps, deliver } from './deliveryHandler.js';
import { limiter } from './limiter.js';
import { mailedSubjects } from './mailPlan.js';
import { PullLoop } from './pullLoop.js';
import { sentRecorder } from './sentRecorder.js';

// The registry finds a contract by scanning every contract; the consumer sees a handful of them.
const contractCache = new Map<string, EventContract | undefined>();
const contracts: EventContractLookup = {
  getEvent(subject, schemaVersion) {
    const key = `${subject}#${schemaVersion}`;
    if (!contractCache.has(key)) contractCache.set(key, registry.getEvent(subject, schemaVersion));
    return contractCache.get(key);
  },
};

/**
 * Every public event on JetStream `EVENTS`: the notifier mails about identity's and billing's, and
 * NATS 2.9 takes one filter subject per consumer; the others are acked and skipped on arrival.
 */
export const NOTIFIER_EVENTS_FILTER = 'evt.>';

// JetStream may deliver a message more often than we attempt SMTP (a crash, a Postgres outage): the
// headroom lets the delivery stream's own count reach DELIVERY_MAX_ATTEMPTS and dead-letter first.
const DELIVERY_HEADROOM = 2;

/**
 * How long a fetched message may go without an ack or a sign of progress before JetStream hands it
 * to another instance. Short, so a crashed instance's messages come back within seconds; a message
 * being worked on is kept by in-progress acks (`msg.working()`) every third of it.
 */
export const DELIVERY_ACK_WAIT_MS = 6_000;
/**
 * Messages in flight per SMTP connection: while DELIVERY_CONCURRENCY of them talk SMTP, the others
 * are claimed or recorded in Postgres, so the database round trips overlap the sends.
 */
export const MESSAGES_PER_SMTP_SLOT = 4;

export interface DeliveryConsumerDeps {
  nc: NatsConnection;
  pool: Pool;
  store: PostgresEventStore;
  mailer: Mailer;
  logger: Logger;
  config: NotifierConfig;
  /** Test seam: runs after an attempt is claimed, before its SMTP conversation. */
  beforeSend?: (event: EventEnvelope) => Promise<void>;
  /** Messages in flight (default DELIVERY_CONCURRENCY × MESSAGES_PER_SMTP_SLOT). */
  messagesInFlight?: number;
}

/**
 * Creates (or updates) the durable JetStream consumer on identity's events and runs it: up to
 * DELIVERY_CONCURRENCY SMTP conversations at once (the mailer pools as many connections) and
 * MESSAGES_PER_SMTP_SLOT times as many messages in flight, each parsed
 * with its contract and delivered by `deliver` (claim → commit → send → record); failed attempts
 * come back by `nak(delay)` with exponential backoff.
 */
export async function startDeliveryConsumer(deps: DeliveryConsumerDeps): Promise<RunningConsumer> {
  const { config, logger } = deps;
  const service = schemaOf('notifier', config);
  const durable = config.CONSUMER_DURABLE;
  const maxDeliver = config.DELIVERY_MAX_ATTEMPTS + DELIVERY_HEADROOM;
  await ensureStreams(deps.nc);
  await createDurableConsumer({
    jsm: await jetstreamManager(deps.nc),
    durable,
    filterSubject: NOTIFIER_EVENTS_FILTER,
    maxDeliver,
    ackWaitMs: DELIVERY_ACK_WAIT_MS,
    deliverPolicy: config.CONSUMER_DELIVER_POLICY === 'new' ? DeliverPolicy.New : DeliverPolicy.All,
    description: 'notifier: e-mails for identity and billing events',
  });
  const consumer = await jetstream(deps.nc).consumers.get('EVENTS', durable);
  const mailed = new Set(mailedSubjects);
  const handlerDeps: DeliveryHandlerDeps = {
    pool: deps.pool,
    store: deps.store,
    service,
    consumer: durable,
    mailer: deps.mailer,
    logger,
    sealKey: config.MESSAGE_SEAL_KEY,
    publicUrl: config.APP_URL ?? config.PUBLIC_URL,
    mailFrom: config.MAIL_FROM,
    maxAttempts: config.DELIVERY_MAX_ATTEMPTS,
    backoffBaseMs: config.DELIVERY_BACKOFF_BASE_MS,
    backoffMaxMs: config.DELIVERY_BACKOFF_MAX_MS,
    // Longer than one SMTP conversation can last (connect, greeting and each command are bounded).
    leaseMs: 2 * config.SMTP_TIMEOUT_MS + 5_000,
    smtpSlots: limiter(config.DELIVERY_CONCURRENCY),
    recordSent: sentRecorder({
      pool: deps.pool,
      store: deps.store,
      service,
      consumer: durable,
      parallel: config.DELIVERY_CONCURRENCY,
    }),
    ...(deps.beforeSend && { beforeSend: deps.beforeSend }),
  };
  const handling = new DeliveryHandling({
    maxDeliver,
    accepts: (subject) => mailed.has(subject),
    handlerDeps,
    logger,
  });
  const loop = new PullLoop(consumer, {
    concurrency: deps.messagesInFlight ?? config.DELIVERY_CONCURRENCY * MESSAGES_PER_SMTP_SLOT,
    handle: (msg) => handling.handle(msg),
    onError: (error) => logger.error({ err: error }, 'delivery consumer error'),
  });
  loop.start();
  logger.info(
    {
      consumer: durable,
      filter: NOTIFIER_EVENTS_FILTER,
      maxDeliver,
      concurrency: config.DELIVERY_CONCURRENCY,
    },
    'delivery consumer started',
  );
  return { stop: () => loop.stop() };
}

interface LoopOptions {
  maxDeliver: number;
  accepts(subject: string): boolean;
  handlerDeps: DeliveryHandlerDeps;
  logger: Logger;
}

/** Handles one delivery in a CONSUMER span and its message context; acks or naks it. */
class DeliveryHandling {
  constructor(private readonly options: LoopOptions) {}

  /** One message in a CONSUMER span (child of the relay's producer span) and its message context. */
  async handle(msg: JsMsg): Promise<void> {
    if (!this.options.accepts(msg.subject)) {
      msg.ack();
      return;
    }
    const attributes = {
      'messaging.destination.name': msg.subject,
      'messaging.consumer.group.name': this.options.handlerDeps.consumer,
      'messaging.message.id': msg.headers?.get('Nats-Msg-Id') ?? '',
    };
    // In-progress acks keep the message ours while it is claimed, sent and recorded.
    const heartbeat = setInterval(() => msg.working(), DELIVERY_ACK_WAIT_MS / 3);
    try {
      await withConsumerSpan(
        `${msg.subject} process`,
        msg.headers,
        () => runWithMessageContext(metaOf(msg), () => this.process(msg)),
        attributes,
      );
    } catch (error) {
      this.options.logger.error({ err: error, subject: msg.subject }, 'delivery failed');
    } finally {
      clearInterval(heartbeat);
    }
  }

  private async process(msg: JsMsg): Promise<void> {
    const { handlerDeps: deps, maxDeliver } = this.options;
    const base = { pool: deps.pool, service: deps.service, consumer: deps.consumer };
    const received = receive(msg);
    const attempts = msg.info.deliveryCount;
    const parsed = parseReceived(received, contracts);
    if (!parsed.ok) {
      await parkMessage({
        ...base,
        received,
        messageType: parsed.messageType,
        error: parsed.reason,
        attempts,
      });
      msg.ack();
      return;
    }
    try {
      const message = { event: parsed.event, subject: msg.subject, deliveryCount: attempts };
      const outcome = await deliver(deps, message);
      if (outcome.kind === 'ack') msg.ack();
      else msg.nak(outcome.delayMs);
    } catch (error) {
      // Not an SMTP failure (those are recorded): the database or a bug. Retry, park at the last.
      this.options.logger.error({ err: error, subject: msg.subject, attempts }, 'delivery consumer error');
      if (attempts >= maxDeliver) {
        await parkMessage({ ...base, received, messageType: parsed.event.type, error, attempts });
        msg.ack();
        return;
      }
      msg.nak(backoffDelay(attempts, deps.backoffBaseMs, deps.backoffMaxMs));
    }
  }
}

// The relayed event's ids (requestId, correlationId …) for the log lines of its delivery.
function metaOf(msg: JsMsg) {
  try {
    return metaFromNatsHeaders(msg.headers);
  } catch {
    return newRootMeta({ type: 'system' });
  }
}
