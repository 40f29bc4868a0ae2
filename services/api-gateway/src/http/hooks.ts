import { UnavailableError } from '@ledgerline/contracts';
import { type Logger, nameHttpServerSpan } from '@ledgerline/platform';
import type { FastifyInstance } from 'fastify';
import type { GatewayConfig } from '../config.js';
import { cacheControlFor, etagOf, ifNoneMatchMatches } from './etag.js';
import { acceptRequestId } from './requestId.js';
import { resolveRouteSpec } from './route.js';

/**
 * The Fastify-level parts of the pipeline, which must see every response including errors and 304s:
 * request ids in and out, conditional GETs, and one log line per request.
 */
export function installHooks(
  fastify: FastifyInstance,
  config: GatewayConfig,
  logger: Logger,
  isClosing: () => boolean = () => false,
): void {
  fastify.decorateRequest('gw');
  fastify.addHook('onRequest', (request, reply, done) => {
    const requestId = acceptRequestId(request.headers['x-request-id']);
    // The route spec is resolved here, once, before any guard: no guard depends on another for it.
    const spec = resolveRouteSpec(request);
    request.gw = { requestId, startedAt: performance.now(), spec, principal: undefined };
    reply.header('x-request-id', requestId);
    // The HTTP span is named by its route template (`PATCH /me`), with `http.route`.
    nameHttpServerSpan(request.method, request.routeOptions.url);
    if (isClosing()) {
      // Requests arriving on kept-alive connections while the gateway drains: come back elsewhere.
      reply.header('connection', 'close');
      done(new UnavailableError('The gateway is shutting down'));
      return;
    }
    done();
  });

  fastify.addHook('onSend', (request, reply, payload, done) => {
    const spec = request.gw?.spec;
    if (!spec?.cache || request.method !== 'GET' || reply.statusCode !== 200 || typeof payload !== 'string') {
      if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
      done(null, payload);
      return;
    }
    const etag = etagOf(payload);
    const maxAge = config.CACHE_MAX_AGE[spec.operationId] ?? 0;
    reply.header('etag', etag);
    reply.header('cache-control', cacheControlFor(spec.auth === 'none', maxAge));
    if (!ifNoneMatchMatches(request.headers['if-none-match'], etag)) {
      done(null, payload);
      return;
    }
    reply.code(304);
    reply.removeHeader('content-type');
    reply.removeHeader('content-length');
    done(null, '');
  });

  fastify.addHook('onResponse', (request, reply, done) => {
    // At LOG_LEVEL warn (production, the bench) skip building the line's object for a no-op call.
    if (!logger.isLevelEnabled('info')) {
      done();
      return;
    }
    const ms = Math.round((performance.now() - (request.gw?.startedAt ?? 0)) * 100) / 100;
    logger.info(
      {
        requestId: request.gw?.requestId,
        method: request.method,
        route: request.gw?.spec?.operationId,
        url: request.url.split('?')[0],
        status: reply.statusCode,
        ms,
        userId: request.gw?.principal?.userId,
      },
      'http request',
    );
    done();
  });
}
