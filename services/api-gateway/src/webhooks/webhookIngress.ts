import { closeNats, connectNats, createLogger, type Logger, type NatsConnection } from '@ledgerline/platform';
import { type JetStreamClient, jetstream } from '@nats-io/jetstream';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import type { GatewayConfig } from '../config.js';
import { PROBLEM_BASE, UNAVAILABLE_RETRY_AFTER_SECONDS } from '../http/problem.js';
import { verifyStripeDelivery } from './stripeWebhook.js';

export interface WebhookIngressOptions {
  readonly config: GatewayConfig;
  readonly logger?: Logger;
  /** An existing connection (tests); otherwise one is opened from NATS_URL and closed on close(). */
  readonly nats?: NatsConnection;
}

export interface WebhookIngress {
  readonly fastify: FastifyInstance;
  readonly nats: NatsConnection;
  listen(): Promise<string>;
  close(): Promise<void>;
}

const problem = (reply: FastifyReply, status: number, slug: string, title: string, detail: string) =>
  reply
    .code(status)
    .type('application/problem+json')
    .send({ type: PROBLEM_BASE + slug, title, status, detail, requestId: reply.request.id });

/**
 * The gateway image in webhooks-only mode: `POST /webhooks/stripe` and the health probes, nothing
 * else (every API route is a 404 here). A delivery is answered 2xx only after JetStream acknowledged
 * it on `EXTERNAL`, so Stripe retries whatever was not stored (NATS down → 503).
 */
export async function createWebhookIngress(options: WebhookIngressOptions): Promise<WebhookIngress> {
  const { config } = options;
  const logger = options.logger ?? createLogger({ service: 'webhooks', level: config.LOG_LEVEL });
  if (config.STRIPE_WEBHOOK_SECRETS.length === 0) {
    throw new Error('WEBHOOKS_ONLY=true needs STRIPE_WEBHOOK_SECRETS (comma-separated whsec_… secrets)');
  }
  const nats =
    options.nats ??
    (await connectNats({ servers: config.NATS_URL.split(','), name: 'api-gateway-webhooks', logger }));
  const js: JetStreamClient = jetstream(nats, { timeout: config.NATS_REQUEST_TIMEOUT_MS });
  const verifyOptions = {
    secrets: config.STRIPE_WEBHOOK_SECRETS,
    toleranceSeconds: config.STRIPE_WEBHOOK_TOLERANCE_SECONDS,
    allowedTypes: new Set(config.STRIPE_WEBHOOK_EVENT_TYPES),
  };
  const fastify = Fastify({
    bodyLimit: config.WEBHOOK_BODY_LIMIT_BYTES,
    trustProxy: config.TRUSTED_PROXIES.length > 0 ? [...config.TRUSTED_PROXIES] : false,
    logger: false,
  });
  // The raw bytes, whatever the content type: the signature covers them exactly.
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  fastify.post(`${config.ROOT_PATH}/webhooks/stripe`, async (request, reply) => {
    const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    const header = request.headers['stripe-signature'];
    const verdict = verifyStripeDelivery(raw, typeof header === 'string' ? header : undefined, verifyOptions);
    if (verdict.kind === 'reject') {
      logger.warn({ reason: verdict.reason, requestId: request.id }, 'stripe webhook rejected');
      return problem(reply, 400, 'invalid-webhook', 'Invalid webhook', verdict.reason);
    }
    if (verdict.kind === 'ignore') {
      logger.debug(
        { eventId: verdict.eventId, type: verdict.type },
        'stripe webhook type not handled; dropped',
      );
      return reply.code(200).send({ received: true, ignored: true });
    }
    try {
      const ack = await js.publish(verdict.subject, raw, {
        msgID: verdict.eventId,
        expect: { streamName: 'EXTERNAL' },
      });
      logger.info(
        { eventId: verdict.eventId, type: verdict.type, seq: ack.seq, duplicate: ack.duplicate },
        'stripe webhook stored',
      );
      return reply.code(200).send({ received: true, duplicate: ack.duplicate });
    } catch (err) {
      logger.error({ err, eventId: verdict.eventId }, 'stripe webhook not stored; Stripe will retry');
      reply.header('retry-after', String(UNAVAILABLE_RETRY_AFTER_SECONDS));
      return problem(
        reply,
        503,
        'unavailable',
        'Service unavailable',
        'The event could not be stored; retry later',
      );
    }
  });
  fastify.get(`${config.ROOT_PATH}/healthz`, async () => ({ status: 'ok' }));
  fastify.get(`${config.ROOT_PATH}/readyz`, async (_request, reply) => {
    const ready =
      !nats.isClosed() &&
      !nats.isDraining() &&
      (await nats.flush().then(
        () => true,
        () => false,
      ));
    if (ready) return { status: 'ready', checks: { nats: { ok: true } } };
    return problem(reply, 503, 'not-ready', 'Not ready', 'NATS is not reachable');
  });
  fastify.setNotFoundHandler((_request, reply) =>
    problem(reply, 404, 'not-found', 'Not found', 'No such route'),
  );
  fastify.setErrorHandler((error: { statusCode?: number; message: string }, _request, reply) => {
    if (error.statusCode === 413) {
      return problem(
        reply,
        413,
        'payload-too-large',
        'Payload too large',
        'The request body exceeds the size limit',
      );
    }
    if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
      return problem(reply, 400, 'malformed-request', 'Malformed request', error.message);
    }
    logger.error({ err: error }, 'webhook ingress error');
    reply.header('retry-after', String(UNAVAILABLE_RETRY_AFTER_SECONDS));
    return problem(reply, 503, 'unavailable', 'Service unavailable', 'Retry later');
  });
  await fastify.ready();

  let closing: Promise<void> | undefined;
  return {
    fastify,
    nats,
    listen: async () => {
      await fastify.listen({ port: config.PORT, host: config.HOST });
      const address = fastify.server.address();
      const port = typeof address === 'object' && address ? address.port : config.PORT;
      return `http://${config.HOST === '0.0.0.0' ? '127.0.0.1' : config.HOST}:${port}${config.ROOT_PATH}`;
    },
    close: () => {
      closing ??= (async () => {
        await fastify.close();
        if (!options.nats) await closeNats(nats);
      })();
      return closing;
    },
  };
}
