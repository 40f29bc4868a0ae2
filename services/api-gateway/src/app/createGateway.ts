import fastifyCookie from '@fastify/cookie';
import fastifyCors from '@fastify/cors';
import {
  closeNats,
  connectNats,
  createLogger,
  type Logger,
  type NatsConnection,
  PinoNestLogger,
} from '@ledgerline/platform';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { Redis } from 'ioredis';
import { JwksCache, warmUpJwks } from '../auth/jwksCache.js';
import { allowedOrigins, type GatewayConfig } from '../config.js';
import { installBodyParsing } from '../http/body.js';
import { installHooks } from '../http/hooks.js';
import { ProblemFilter } from '../http/problemFilter.js';
import { ProblemResponder } from '../http/problemResponse.js';
import { installSecurityHeaders } from '../http/securityHeaders.js';
import { installFormParsing } from '../pages/formBody.js';
import { FORM_PATHS } from '../routes/pagesController.js';
import { GatewayModule } from './gatewayModule.js';

export interface CreateGatewayOptions {
  readonly config: GatewayConfig;
  readonly logger?: Logger;
  /** An existing connection (tests); otherwise one is opened from NATS_URL and closed on close(). */
  readonly nats?: NatsConnection;
  readonly redis?: Redis;
}

export interface Gateway {
  readonly app: NestFastifyApplication;
  readonly nats: NatsConnection;
  readonly redis: Redis;
  readonly logger: Logger;
  /** Starts listening on PORT/HOST (PORT=0 picks a free port); returns the base URL. */
  listen(): Promise<string>;
  /** Stops accepting, lets in-flight requests finish, then drains NATS and closes Redis (if owned). */
  close(): Promise<void>;
}

const EXPOSED_HEADERS = [
  'x-request-id',
  'etag',
  'retry-after',
  'ratelimit-limit',
  'ratelimit-remaining',
  'ratelimit-reset',
  'ratelimit-policy',
  'idempotent-replayed',
];

/** Builds the gateway: Nest on Fastify with cookies, CORS, security headers and the request pipeline. */
export async function createGateway(options: CreateGatewayOptions): Promise<Gateway> {
  const { config } = options;
  const logger = options.logger ?? createLogger({ service: 'api-gateway', level: config.LOG_LEVEL });
  const nats =
    options.nats ?? (await connectNats({ servers: config.NATS_URL.split(','), name: 'api-gateway', logger }));
  const redis = options.redis ?? createRedis(config, logger);
  // One problem+json path for every error, including those Fastify answers before any hook runs.
  const problems = new ProblemResponder(logger);
  let closing = false;
  const adapter = new FastifyAdapter({
    bodyLimit: config.BODY_LIMIT_BYTES,
    trustProxy: config.TRUSTED_PROXIES.length > 0 ? [...config.TRUSTED_PROXIES] : false,
    logger: false,
    // Bad percent-encoding, an over-long path parameter: the router answers these before any hook.
    frameworkErrors: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) =>
      problems.send(error, request, reply),
    // Malformed HTTP (framing, header overflow): answered on the socket.
    clientErrorHandler: (error, socket) => problems.clientError(error, socket),
    // While closing, the onRequest hook answers 503 problem+json with Retry-After instead of Fastify.
    return503OnClosing: false,
  });
  // bodyParser off: the gateway's JSON parser (installBodyParsing) is the only one; other bodies are 415.
  const app = await NestFactory.create<NestFastifyApplication>(
    GatewayModule.with({ config, nats, redis, logger }),
    adapter,
    { bodyParser: false, logger: new PinoNestLogger(logger), abortOnError: false },
  );
  const fastify = app.getHttpAdapter().getInstance();
  installBodyParsing(fastify);
  installFormParsing(
    fastify,
    FORM_PATHS.map((path) => `${config.ROOT_PATH}${path}`),
  );
  installHooks(fastify, config, logger, () => closing);
  await app.register(fastifyCookie);
  problems.useSecurityHeaders(await installSecurityHeaders(fastify));
  const origins = allowedOrigins(config);
  await app.register(fastifyCors, {
    origin: (origin, callback) => callback(null, origin !== undefined && origins.has(origin)),
    credentials: true,
    allowedHeaders: [
      'content-type',
      'authorization',
      'x-csrf-token',
      'idempotency-key',
      'if-none-match',
      'x-request-id',
    ],
    exposedHeaders: EXPOSED_HEADERS,
    maxAge: 600,
  });
  if (config.ROOT_PATH) app.setGlobalPrefix(config.ROOT_PATH);
  app.useGlobalFilters(new ProblemFilter(problems));
  await app.init();
  // Warm the key cache so the first authenticated request does not wait; identity may still be
  // starting: then it retries quietly in the background (one warning, no stack, if it takes long).
  const jwksWarmUp = warmUpJwks(app.get(JwksCache), { logger });
  await jwksWarmUp.firstAttempt;

  let closed: Promise<void> | undefined;
  return {
    app,
    nats,
    redis,
    logger,
    listen: async () => {
      await app.listen({ port: config.PORT, host: config.HOST });
      const address = fastify.server.address();
      const port = typeof address === 'object' && address ? address.port : config.PORT;
      return `http://${config.HOST === '0.0.0.0' ? '127.0.0.1' : config.HOST}:${port}${config.ROOT_PATH}`;
    },
    close: () => {
      closing = true;
      jwksWarmUp.stop();
      closed ??= (async () => {
        await app.close();
        if (!options.nats) await closeNats(nats);
        if (!options.redis) await redis.quit().catch(() => redis.disconnect());
      })();
      return closed;
    },
  };
}

function createRedis(config: GatewayConfig, logger: Logger): Redis {
  // Short timeouts: a slow Redis must not hold requests (limits fail open, idempotency answers 503).
  const redis = new Redis(config.REDIS_URL, {
    commandTimeout: 1_000,
    maxRetriesPerRequest: 1,
    enableAutoPipelining: true,
  });
  redis.on('error', (err) => logger.warn({ err }, 'redis error'));
  return redis;
}
