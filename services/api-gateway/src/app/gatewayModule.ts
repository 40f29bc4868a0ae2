import { getJwksQuery } from '@ledgerline/contracts';
import { type Logger, type NatsConnection, natsRequest, newRootMeta } from '@ledgerline/platform';
import { type DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import type { Redis } from 'ioredis';
import { AccessTokenVerifier } from '../auth/accessTokenVerifier.js';
import { AuthGuard } from '../auth/authGuard.js';
import { CsrfGuard } from '../auth/csrfGuard.js';
import { JwksCache } from '../auth/jwksCache.js';
import { SessionCookies } from '../auth/sessionCookies.js';
import { VerifiedEmailCheck } from '../auth/verifiedEmailCheck.js';
import type { GatewayConfig } from '../config.js';
import { routeSpecsOf } from '../http/route.js';
import { ServiceClient } from '../http/serviceClient.js';
import { IdempotencyStore } from '../idempotency/idempotencyStore.js';
import { RateLimiter } from '../limits/rateLimiter.js';
import { RateLimitGuard } from '../limits/rateLimitGuard.js';
import { AdminController } from '../routes/adminController.js';
import { AuthController } from '../routes/authController.js';
import { BillingController } from '../routes/billingController.js';
import { FilesController } from '../routes/filesController.js';
import { MeController } from '../routes/meController.js';
import { PagesController } from '../routes/pagesController.js';
import { SessionController } from '../routes/sessionController.js';
import { SystemController } from '../routes/systemController.js';
import { Readiness } from './readiness.js';
import { CONFIG, LOGGER, NATS, REDIS, ROUTE_SPECS } from './tokens.js';

/** Every controller, in the order the OpenAPI document and the docs page list them. */
export const CONTROLLERS = [
  AuthController,
  SessionController,
  MeController,
  AdminController,
  FilesController,
  BillingController,
  SystemController,
  PagesController,
];

/** What the gateway runs on; created (and closed) by createGateway. */
export interface GatewayDeps {
  readonly config: GatewayConfig;
  readonly nats: NatsConnection;
  readonly redis: Redis;
  readonly logger: Logger;
}

@Module({})
export class GatewayModule {
  /** The module with its infrastructure bound. Guards run in order: auth → rate limit → CSRF. */
  static with(deps: GatewayDeps): DynamicModule {
    const { config } = deps;
    return {
      module: GatewayModule,
      controllers: CONTROLLERS,
      providers: [
        { provide: CONFIG, useValue: config },
        { provide: NATS, useValue: deps.nats },
        { provide: REDIS, useValue: deps.redis },
        { provide: LOGGER, useValue: deps.logger },
        { provide: ROUTE_SPECS, useValue: routeSpecsOf(CONTROLLERS) },
        {
          provide: JwksCache,
          useValue: new JwksCache({
            fetchKeys: async () => {
              const meta = newRootMeta({ type: 'service', id: 'api-gateway' });
              const timeoutMs = config.NATS_REQUEST_TIMEOUT_MS;
              return (await natsRequest(deps.nats, getJwksQuery, {}, { meta, timeoutMs })).keys;
            },
            maxAgeMs: config.JWKS_MAX_AGE_SECONDS * 1000,
            minRefreshIntervalMs: config.JWKS_REFRESH_MIN_INTERVAL_MS,
          }),
        },
        {
          provide: AccessTokenVerifier,
          inject: [JwksCache],
          useFactory: (jwks: JwksCache) =>
            new AccessTokenVerifier(jwks, {
              issuer: config.JWT_ISSUER,
              audience: config.JWT_AUDIENCE,
              clockToleranceSeconds: config.JWT_CLOCK_TOLERANCE_SECONDS,
            }),
        },
        {
          provide: RateLimiter,
          useValue: new RateLimiter(deps.redis, config.RATE_LIMIT_WINDOW_SECONDS * 1000),
        },
        {
          provide: IdempotencyStore,
          // The pending lease outlives the slowest request (NATS timeout) with room to spare.
          useValue: new IdempotencyStore(
            deps.redis,
            config.IDEMPOTENCY_TTL_SECONDS,
            Math.ceil((config.NATS_REQUEST_TIMEOUT_MS * 3) / 1000) + 5,
          ),
        },
        { provide: SessionCookies, useValue: new SessionCookies(config) },
        ServiceClient,
        VerifiedEmailCheck,
        Readiness,
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_GUARD, useClass: RateLimitGuard },
        { provide: APP_GUARD, useClass: CsrfGuard },
      ],
    };
  }
}
