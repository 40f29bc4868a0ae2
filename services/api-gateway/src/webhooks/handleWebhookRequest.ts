import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger, NatsConnection } from '@ledgerline/platform';
import type { HttpProblemError } from '../http/problem.js';
import { acceptRequestId } from '../http/requestId.js';
import type { Publish } from './batchedPublisher.js';
import { replyProblem, webhookProblems } from './problemReply.js';
import { readRawBody } from './readRawBody.js';
import { type VerifyOptions, verifyStripeDelivery } from './stripeWebhook.js';

export interface WebhookHandlerDeps {
  readonly rootPath: string;
  readonly bodyLimitBytes: number;
  readonly verify: VerifyOptions;
  readonly publish: Publish;
  readonly nats: NatsConnection;
  readonly logger: Logger;
  /** True once shutdown began: /readyz then answers 503 so no new traffic is routed here. */
  readonly isClosing: () => boolean;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

// Pre-serialised answers: the happy path builds no JSON.
const json = (value: unknown) => {
  const body = JSON.stringify(value);
  return {
    body,
    headers: { 'content-type': 'application/json; charset=utf-8', 'content-length': body.length },
  };
};
const STORED = json({ received: true, duplicate: false });
const STORED_AGAIN = json({ received: true, duplicate: true });
const IGNORED = json({ received: true, ignored: true });
const HEALTHY = json({ status: 'ok' });
const READY = json({ status: 'ready', checks: { nats: { ok: true } } });

const answer = (res: ServerResponse, reply: ReturnType<typeof json>) => {
  res.writeHead(200, reply.headers);
  res.end(reply.body);
};

/**
 * The ingress's whole HTTP surface: `POST /webhooks/stripe` and the probes `GET /healthz` and
 * `GET /readyz` (HEAD too, as Fastify served them); anything else is a 404 problem.
 */
export function webhookRequestHandler(deps: WebhookHandlerDeps): Handler {
  const webhookPath = `${deps.rootPath}/webhooks/stripe`;
  const healthPath = `${deps.rootPath}/healthz`;
  const readyPath = `${deps.rootPath}/readyz`;
  const fail = (req: IncomingMessage, res: ServerResponse, path: string, error: HttpProblemError) =>
    replyProblem(res, error, acceptRequestId(req.headers['x-request-id']), path);

  return (req, res) => {
    const url = req.url ?? '/';
    const query = url.indexOf('?');
    const path = query === -1 ? url : url.slice(0, query);
    const probe = req.method === 'GET' || req.method === 'HEAD';
    if (path === webhookPath && req.method === 'POST') {
      void receiveWebhook(deps, req, res, path).catch((err: unknown) => {
        // Nothing above throws by design; should it, Stripe is told to retry rather than left hanging.
        deps.logger.error({ err }, 'webhook ingress error');
        if (!res.headersSent) fail(req, res, path, webhookProblems.notStored());
      });
    } else if (path === healthPath && probe) {
      answer(res, HEALTHY);
    } else if (path === readyPath && probe) {
      void isReady(deps).then((ready) =>
        ready ? answer(res, READY) : fail(req, res, path, webhookProblems.notReady('NATS is not reachable')),
      );
    } else {
      fail(req, res, path, webhookProblems.notFound());
    }
  };
}

async function receiveWebhook(
  deps: WebhookHandlerDeps,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
): Promise<void> {
  const { logger } = deps;
  const body = await readRawBody(req, deps.bodyLimitBytes);
  if (body.kind === 'aborted') return; // the sender hung up: nobody to answer
  if (body.kind === 'too-large') {
    // The rest of an oversize body is not read: answer, then close the connection.
    res.shouldKeepAlive = false;
    res.once('finish', () => req.destroy());
    replyProblem(res, webhookProblems.tooLarge(), acceptRequestId(req.headers['x-request-id']), path);
    return;
  }
  const header = req.headers['stripe-signature'];
  const verdict = verifyStripeDelivery(
    body.bytes,
    typeof header === 'string' ? header : undefined,
    deps.verify,
  );
  if (verdict.kind === 'reject') {
    const requestId = acceptRequestId(req.headers['x-request-id']);
    logger.warn({ reason: verdict.reason, requestId }, 'stripe webhook rejected');
    replyProblem(res, webhookProblems.invalid(verdict.reason), requestId, path);
    return;
  }
  if (verdict.kind === 'ignore') {
    logger.debug(
      { eventId: verdict.eventId, type: verdict.type },
      'stripe webhook type not handled; dropped',
    );
    answer(res, IGNORED);
    return;
  }
  try {
    const ack = await deps.publish(verdict.subject, body.bytes, {
      msgID: verdict.eventId,
      expect: { streamName: 'EXTERNAL' },
    });
    if (logger.isLevelEnabled('info')) {
      logger.info(
        { eventId: verdict.eventId, type: verdict.type, seq: ack.seq, duplicate: ack.duplicate },
        'stripe webhook stored',
      );
    }
    answer(res, ack.duplicate ? STORED_AGAIN : STORED);
  } catch (err) {
    const requestId = acceptRequestId(req.headers['x-request-id']);
    logger.error(
      { err, eventId: verdict.eventId, requestId },
      'stripe webhook not stored; Stripe will retry',
    );
    replyProblem(res, webhookProblems.notStored(), requestId, path);
  }
}

async function isReady(deps: WebhookHandlerDeps): Promise<boolean> {
  const { nats } = deps;
  if (deps.isClosing() || nats.isClosed() || nats.isDraining()) return false;
  return nats.flush().then(
    () => true,
    () => false,
  );
}
