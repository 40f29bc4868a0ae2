import { createServer, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { closeNats, connectNats, createLogger, type Logger, type NatsConnection } from '@ledgerline/platform';
import type { GatewayConfig } from '../config.js';
import { ProblemResponder } from '../http/problemResponse.js';
import { ackedPublisher } from './ackedPublisher.js';
import { batchedPublisher } from './batchedPublisher.js';
import { webhookRequestHandler } from './handleWebhookRequest.js';

export interface WebhookIngressOptions {
  readonly config: GatewayConfig;
  readonly logger?: Logger;
  /** An existing connection (tests); otherwise one is opened from NATS_URL and closed on close(). */
  readonly nats?: NatsConnection;
}

export interface WebhookIngress {
  readonly server: Server;
  readonly nats: NatsConnection;
  listen(): Promise<string>;
  /** Stops accepting, lets in-flight deliveries finish (each to its ack or 503), then drains NATS. */
  close(): Promise<void>;
}

// A whole delivery (headers and body) must arrive within this; Stripe sends small bodies at once.
const REQUEST_TIMEOUT_MS = 30_000;

/**
 * The gateway image in webhooks-only mode: `POST /webhooks/stripe` and the health probes, nothing
 * else (every API route is a 404 here). A delivery is answered 2xx only after JetStream acknowledged
 * it on `EXTERNAL`, so Stripe retries whatever was not stored (NATS down → 503).
 *
 * Why a plain `node:http` server and not the gateway's Fastify/Nest stack: this process serves three
 * fixed routes and no API, and under load Fastify's routing, hooks and reply machinery were ~10 % of
 * its CPU (bench/billing profile); the issue asks for at least half the raw JetStream publish rate.
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
  const acks = ackedPublisher(nats, config.NATS_REQUEST_TIMEOUT_MS);
  const publish = batchedPublisher(acks);

  let closing: Promise<void> | undefined;
  const handle = webhookRequestHandler({
    rootPath: config.ROOT_PATH,
    bodyLimitBytes: config.WEBHOOK_BODY_LIMIT_BYTES,
    verify: {
      secrets: config.STRIPE_WEBHOOK_SECRETS,
      toleranceSeconds: config.STRIPE_WEBHOOK_TOLERANCE_SECONDS,
      allowedTypes: new Set(config.STRIPE_WEBHOOK_EVENT_TYPES),
    },
    publish,
    nats,
    logger,
    isClosing: () => closing !== undefined,
  });

  // In-flight responses are tracked so shutdown can end their connections once they are answered.
  const inFlight = new Set<ServerResponse>();
  const server = createServer({ requestTimeout: REQUEST_TIMEOUT_MS }, (req, res) => {
    inFlight.add(res);
    res.once('close', () => {
      inFlight.delete(res);
      // A keep-alive connection whose last answer was sent after close() began: end it once idle.
      if (closing && inFlight.size === 0) setImmediate(() => server.closeIdleConnections());
    });
    if (closing) res.shouldKeepAlive = false;
    handle(req, res);
  });
  // Malformed HTTP (framing, header overflow, timeout) gets the gateway's problem+json on the socket.
  const responder = new ProblemResponder(logger);
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) =>
    responder.clientError(error, socket),
  );

  return {
    server,
    nats,
    listen: () =>
      new Promise<string>((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.PORT, config.HOST, () => {
          server.off('error', reject);
          const address = server.address();
          const port = typeof address === 'object' && address ? address.port : config.PORT;
          const host = config.HOST === '0.0.0.0' ? '127.0.0.1' : config.HOST;
          resolve(`http://${host}:${port}${config.ROOT_PATH}`);
        });
      }),
    close: () => {
      closing ??= (async () => {
        // close() stops accepting and resolves once every connection ended: idle keep-alive ones are
        // closed now, busy ones after their answer (Connection: close), so each delivery in flight
        // still gets its ack or its 503 before NATS is drained.
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        for (const res of inFlight) res.shouldKeepAlive = false; // answered with Connection: close
        await closed;
        acks.stop();
        if (!options.nats) await closeNats(nats);
      })();
      return closing;
    },
  };
}
