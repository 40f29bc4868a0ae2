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
import { Redis } from 'ioredis';
import { JwksCache } from '../auth/jwksCache.js';
import { allowedOrigins, type GatewayConfig } from '../config.js';
import { installHooks } from '../http/hooks.js';
import { ProblemFilter } from '../http/problemFilter.js';
import { installSecurityHeaders } from '../http/securityHeaders.js';
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
  const adapter = new FastifyAdapter({
    bodyLimit: config.BODY_LIMIT_BYTES,
    trustProxy: config.TRUSTED_PROXIES.length > 0 ? [...config.TRUSTED_PROXIES] : false,
    logger: false,
  });
  // bodyParser off: Fastify's own JSON parser is the only one, so form posts and text are refused (400).
  const app = await NestFactory.create<NestFastifyApplication>(
    GatewayModule.with({ config, nats, redis, logger }),
    adapter,
    { bodyParser: false, logger: new PinoNestLogger(logger), abortOnError: false },
  );
  const fastify = app.getHttpAdapter().getInstance();
  fastify.removeContentTypeParser('text/plain');
  installHooks(fastify, config, logger);
  await app.register(fastifyCookie);
  await installSecurityHeaders(fastify);
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
  app.useGlobalFilters(new ProblemFilter(logger));
  await app.init();
  // Warm the key cache so the first authenticated request does not wait; identity may still be starting.
  await app
    .get(JwksCache)
    .jwks()
    .catch((err: unknown) => logger.warn({ err }, 'JWKS not available yet'));

  let closing: Promise<void> | undefined;
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
      closing ??= (async () => {
        await app.close();
        if (!options.nats) await closeNats(nats);
        if (!options.redis) await redis.quit().catch(() => redis.disconnect());
      })();
      return closing;
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
