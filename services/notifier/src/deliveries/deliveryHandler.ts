import { ValidationError } from '@ledgerline/contracts';
import {
  type ConsumerContext,
  type ConsumerHandler,
  describeError,
  fold,
  type PostgresEventStore,
  parkDeadLetter,
  type RecordedEvent,
} from '@ledgerline/eventsourcing';
import type { Logger } from '@ledgerline/platform';
import { deliveryMessageId, isPermanentSmtpError, type Mailer } from '../mail/mailer.js';
import { render } from '../templates/render.js';
import { type DeliveryContext, decide, deliveryDecider } from './decide.js';
import { type Delivery, type DeliveryEvent, deliveryStreamId, isOpen } from './delivery.js';
import { planMail, targetOf } from './mailPlan.js';

export interface DeliveryHandlerDeps {
  store: PostgresEventStore;
  /** The service whose `<service>_es.dead_letters` receives exhausted deliveries. */
  service: string;
  /** The durable consumer's name: dead letters are parked under it, like the kernel's own. */
  consumer: string;
  mailer: Mailer;
  logger: Logger;
  sealKey: string;
  publicUrl: string;
  mailFrom: string;
  maxAttempts: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  now?: () => Date;
}

/** Thrown after a failed attempt was recorded: the consumer naks the message and JetStream redelivers it. */
export class DeliveryRetryError extends Error {
  override name = 'DeliveryRetryError';
}

const asDeliveryEvent = (event: RecordedEvent): DeliveryEvent =>
  ({ type: event.type, data: event.data }) as DeliveryEvent;

/**
 * The consumer handler: one identity event → at most one e-mail, recorded in its delivery stream.
 * Runs in the inbox transaction; a success commits DeliverySent with the inbox row. A failure is
 * recorded in its own transaction (it must survive the rollback) and rethrown, so JetStream
 * redelivers the message with backoff; the last allowed failure parks a dead letter instead.
 */
export function deliveryHandler(deps: DeliveryHandlerDeps): ConsumerHandler {
  const now = deps.now ?? (() => new Date());
  return async (ctx) => {
    const target = targetOf(ctx.event);
    if (!target) return;
    const streamId = deliveryStreamId(ctx.event.id, target.template);
    // Serialises two consumers (a renamed durable, a replay) on one delivery: the second waits for
    // the first to commit and then reads "sent", so it never sends twice.
    await ctx.client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [streamId]);
    const recorded = await deps.store.readStream(streamId);
    let state: Delivery = fold(deliveryDecider, recorded.map(asDeliveryEvent));
    const log = deps.logger.child({ messageId: ctx.event.id, template: target.template });
    if (!isOpen(state)) {
      log.info({ status: state.status }, 'delivery already closed; not sending again');
      return;
    }
    const decideCtx: DeliveryContext = {
      now: now(),
      maxAttempts: deps.maxAttempts,
      backoffBaseMs: deps.backoffBaseMs,
      backoffMaxMs: deps.backoffMaxMs,
    };
    const requested = decide(
      { type: 'RequestDelivery', data: { messageId: ctx.event.id, sourceType: ctx.event.type, ...target } },
      state,
      decideCtx,
    );
    state = requested.reduce(deliveryDecider.evolve, state);
    const attempt = (state as { attempts: number }).attempts + 1;
    const append = { expectedVersion: recorded.length };
    let smtpMessageId: string;
    try {
      smtpMessageId = await send(deps, ctx, streamId);
    } catch (error) {
      const permanent = error instanceof ValidationError || isPermanentSmtpError(error);
      const failure = decide(
        { type: 'RecordFailure', data: { error: describeError(error), permanent } },
        state,
        decideCtx,
      );
      const events = [...requested, ...failure];
      if (failure.some((e) => e.type === 'DeliveryDeadLettered')) {
        await deps.store.appendWith(ctx.client, streamId, events, append);
        await park(deps, ctx, error, attempt);
        log.warn({ attempt, permanent, err: error }, 'e-mail dead-lettered');
        return;
      }
      await deps.store.append(streamId, events, append);
      log.warn({ attempt, err: error }, 'e-mail failed; will retry');
      throw new DeliveryRetryError(`delivery ${streamId} attempt ${attempt} failed`, { cause: error });
    }
    const sent = decide({ type: 'RecordSent', data: { smtpMessageId } }, state, decideCtx);
    await deps.store.appendWith(ctx.client, streamId, [...requested, ...sent], append);
    log.info({ attempt }, 'e-mail sent');
  };
}

// Unsealing and rendering happen here, per attempt, so the token only ever lives in memory.
async function send(deps: DeliveryHandlerDeps, ctx: ConsumerContext, streamId: string): Promise<string> {
  const plan = planMail(ctx.event, { sealKey: deps.sealKey, publicUrl: deps.publicUrl });
  if (!plan) throw new ValidationError(`no e-mail for ${ctx.event.type}`);
  const mail = render(plan.template, plan.data as never, plan.locale);
  const messageId = deliveryMessageId(streamId, deps.mailFrom);
  const info = await deps.mailer.send({
    to: plan.to,
    subject: mail.subject,
    html: mail.html,
    text: mail.text,
    messageId,
  });
  return info.messageId;
}

// Same shape as the kernel's own consumer dead letters, so the ops CLI lists them together.
async function park(deps: DeliveryHandlerDeps, ctx: ConsumerContext, error: unknown, attempts: number) {
  await parkDeadLetter(ctx.client, deps.service, {
    sourceKind: 'consumer',
    sourceName: deps.consumer,
    messageId: ctx.event.id,
    messageType: ctx.event.type,
    globalPosition: ctx.event.globalPosition,
    payload: { subject: ctx.subject, body: ctx.event },
    error,
    attempts,
  });
}
