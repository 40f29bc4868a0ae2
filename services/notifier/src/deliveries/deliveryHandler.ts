import { type EventEnvelope, isAppError, ValidationError } from '@ledgerline/contracts';
import {
  backoffDelay,
  claimInbox,
  describeError,
  fold,
  type PostgresEventStore,
  parkDeadLetter,
  type RecordedEvent,
  withClient,
  withTransaction,
} from '@ledgerline/eventsourcing';
import type { Logger } from '@ledgerline/platform';
import type { Pool } from 'pg';
import { deliveryMessageId, isPermanentSmtpError, type Mailer } from '../mail/mailer.js';
import { render } from '../templates/render.js';
import { type DeliveryContext, decide, deliveryDecider } from './decide.js';
import { claimRemainingMs, type Delivery, type DeliveryEvent, deliveryStreamId, isOpen } from './delivery.js';
import type { Limiter } from './limiter.js';
import { planMail, targetOf } from './mailPlan.js';
import type { RecordSent } from './sentRecorder.js';

export interface DeliveryHandlerDeps {
  pool: Pool;
  store: PostgresEventStore;
  /** The service whose `<service>_es` holds the delivery streams, the inbox and the dead letters. */
  service: string;
  /** The durable consumer's name: the inbox's consumer, and dead letters are parked under it. */
  consumer: string;
  mailer: Mailer;
  logger: Logger;
  sealKey: string;
  publicUrl: string;
  mailFrom: string;
  maxAttempts: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** How long a claimed attempt is reserved for its worker: longer than any SMTP conversation. */
  leaseMs: number;
  now?: () => Date;
  /** Bounds the SMTP conversations at once (one per pooled connection); claims and records do not wait. */
  smtpSlots: Limiter;
  /** Step 3 of a successful delivery: DeliverySent and the inbox row, in one short transaction. */
  recordSent: RecordSent;
  /** Test seam: runs after the claim committed, before the SMTP conversation. */
  beforeSend?: (event: EventEnvelope) => Promise<void>;
}

/** One source message: its parsed envelope and where it came from. */
export interface DeliveryMessage {
  event: EventEnvelope;
  subject: string;
  /** JetStream deliveries so far, this one included: on the first, the delivery stream is likely new. */
  deliveryCount?: number;
}

/** What the consumer does with the message: ack it, or nak it to come back after `delayMs`. */
export type DeliveryOutcome = { kind: 'ack' } | { kind: 'retry'; delayMs: number };

const ACK: DeliveryOutcome = { kind: 'ack' };

const asDeliveryEvent = (event: RecordedEvent): DeliveryEvent =>
  ({ type: event.type, data: event.data }) as DeliveryEvent;

type Claim =
  | { kind: 'closed'; status: Delivery['status'] }
  | { kind: 'busy'; waitMs: number }
  | { kind: 'claimed'; state: Delivery; version: number; attempt: number };

/**
 * One identity event → at most one e-mail, recorded in its delivery stream, in three steps so that
 * no database connection or transaction is held while SMTP talks:
 *
 * 1. claim (one append at the version read): closed → inbox row, ack; held by another worker → wait
 *    for its outcome; else append DeliveryRequested (first time) and DeliveryClaimed (a lease).
 * 2. send over SMTP, with no transaction open.
 * 3. record (short transaction): DeliverySent and the inbox row (sends that finish together share
 *    one transaction, see sentRecorder); or the failure, then either a retry (nak with backoff) or
 *    the dead letter (and the inbox row).
 *
 * A crash between the SMTP accept and step 3 leaves the claim to expire; the redelivered message
 * then sends again with the same Message-ID (the only window for a duplicate: at-least-once).
 */
export async function deliver(deps: DeliveryHandlerDeps, message: DeliveryMessage): Promise<DeliveryOutcome> {
  const { event } = message;
  const target = targetOf(event);
  if (!target) return ACK;
  const streamId = deliveryStreamId(event.id, target.template);
  const log = deps.logger.child({ messageId: event.id, template: target.template });
  const now = deps.now ?? (() => new Date());
  for (;;) {
    const claim = await claimAttempt(deps, event, target, streamId, now(), message.deliveryCount === 1);
    if (claim.kind === 'closed') {
      log.info({ status: claim.status }, 'delivery already closed; not sending again');
      return ACK;
    }
    if (claim.kind === 'busy') {
      // Another worker is sending it (a second consumer, a redelivery racing its original): wait
      // for its outcome without holding a connection, then look again.
      await sleep(Math.min(claim.waitMs, 250));
      continue;
    }
    await deps.beforeSend?.(event);
    return sendAndRecord(deps, message, streamId, claim, log, now);
  }
}

async function claimAttempt(
  deps: DeliveryHandlerDeps,
  event: EventEnvelope,
  target: NonNullable<ReturnType<typeof targetOf>>,
  streamId: string,
  at: Date,
  firstDelivery: boolean,
): Promise<Claim> {
  // Optimistic: read, decide, append at the version read (one statement, its own transaction). Two
  // workers claiming at once (two consumers, a redelivery) conflict on the version; the loser reads
  // again and finds the winner's claim. A first delivery skips the read: its stream is new.
  let assumeNew = firstDelivery;
  for (;;) {
    const recorded: RecordedEvent[] = assumeNew ? [] : await deps.store.readStream(streamId);
    assumeNew = false;
    let state: Delivery = fold(deliveryDecider, recorded.map(asDeliveryEvent));
    if (!isOpen(state)) {
      await withTransaction(deps.pool, (client) => claimInbox(client, deps.service, deps.consumer, event.id));
      return { kind: 'closed', status: state.status };
    }
    const waitMs = claimRemainingMs(state, at);
    if (waitMs > 0) return { kind: 'busy', waitMs };
    const ctx = decideContext(deps, at);
    const requested = decide(
      { type: 'RequestDelivery', data: { messageId: event.id, sourceType: event.type, ...target } },
      state,
      ctx,
    );
    state = requested.reduce(deliveryDecider.evolve, state);
    const claimed = decide({ type: 'ClaimAttempt', data: { leaseMs: deps.leaseMs } }, state, ctx);
    state = claimed.reduce(deliveryDecider.evolve, state);
    try {
      // One INSERT in autocommit (the notifier has no inline projections, nobody to NOTIFY).
      const result = await withClient(deps.pool, (client) =>
        deps.store.appendWith(client, streamId, [...requested, ...claimed], {
          expectedVersion: recorded.length,
        }),
      );
      const attempt = (state as { attempts: number }).attempts + 1;
      return { kind: 'claimed', state, version: result.nextExpectedVersion, attempt };
    } catch (error) {
      if (!isConflict(error)) throw error;
    }
  }
}

const isConflict = (error: unknown): boolean => isAppError(error) && error.code === 'CONFLICT';

async function sendAndRecord(
  deps: DeliveryHandlerDeps,
  message: DeliveryMessage,
  streamId: string,
  claim: Extract<Claim, { kind: 'claimed' }>,
  log: Logger,
  now: () => Date,
): Promise<DeliveryOutcome> {
  const { state, version, attempt } = claim;
  const append = { expectedVersion: version };
  let smtpMessageId: string;
  try {
    smtpMessageId = await send(deps, message.event, streamId);
  } catch (error) {
    const permanent = error instanceof ValidationError || isPermanentSmtpError(error);
    const failure = decide(
      { type: 'RecordFailure', data: { error: describeError(error), permanent } },
      state,
      decideContext(deps, now()),
    );
    if (failure.some((e) => e.type === 'DeliveryDeadLettered')) {
      await withTransaction(deps.pool, async (client) => {
        await deps.store.appendWith(client, streamId, failure, append);
        await park(deps, client, message, error, attempt);
        await claimInbox(client, deps.service, deps.consumer, message.event.id);
      });
      log.warn({ attempt, permanent, err: error }, 'e-mail dead-lettered');
      return ACK;
    }
    await withClient(deps.pool, (client) => deps.store.appendWith(client, streamId, failure, append));
    log.warn({ attempt, err: error }, 'e-mail failed; will retry');
    return { kind: 'retry', delayMs: backoffDelay(attempt, deps.backoffBaseMs, deps.backoffMaxMs) };
  }
  const sent = decide({ type: 'RecordSent', data: { smtpMessageId } }, state, decideContext(deps, now()));
  try {
    await deps.recordSent({ streamId, events: sent, expectedVersion: version, messageId: message.event.id });
  } catch (error) {
    // Our claim ran out and another worker claimed the delivery meanwhile: it sends (again).
    if (!isConflict(error)) throw error;
    log.warn({ attempt, err: error }, 'e-mail sent after its claim expired; another worker took over');
    return ACK;
  }
  log.info({ attempt }, 'e-mail sent');
  return ACK;
}

function decideContext(deps: DeliveryHandlerDeps, now: Date): DeliveryContext {
  return {
    now,
    maxAttempts: deps.maxAttempts,
    backoffBaseMs: deps.backoffBaseMs,
    backoffMaxMs: deps.backoffMaxMs,
  };
}

// Unsealing and rendering happen here, per attempt, so the token only ever lives in memory.
async function send(deps: DeliveryHandlerDeps, event: EventEnvelope, streamId: string): Promise<string> {
  const plan = planMail(event, { sealKey: deps.sealKey, publicUrl: deps.publicUrl });
  if (!plan) throw new ValidationError(`no e-mail for ${event.type}`);
  const mail = render(plan.template, plan.data as never, plan.locale);
  const messageId = deliveryMessageId(streamId, deps.mailFrom);
  const info = await deps.smtpSlots(() =>
    deps.mailer.send({ to: plan.to, subject: mail.subject, html: mail.html, text: mail.text, messageId }),
  );
  return info.messageId;
}

// Same shape as the kernel's own consumer dead letters, so the ops CLI lists them together.
async function park(
  deps: DeliveryHandlerDeps,
  client: Parameters<typeof parkDeadLetter>[0],
  message: DeliveryMessage,
  error: unknown,
  attempts: number,
) {
  await parkDeadLetter(client, deps.service, {
    sourceKind: 'consumer',
    sourceName: deps.consumer,
    messageId: message.event.id,
    messageType: message.event.type,
    globalPosition: message.event.globalPosition,
    payload: { subject: message.subject, body: message.event },
    error,
    attempts,
  });
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
