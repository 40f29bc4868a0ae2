import { getJwksQuery, NotFoundError } from '@ledgerline/contracts';
import { Controller, Inject, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { Readiness } from '../app/readiness.js';
import { CONFIG, ROUTE_SPECS } from '../app/tokens.js';
import { JwksCache } from '../auth/jwksCache.js';
import type { GatewayConfig } from '../config.js';
import { HttpProblemError } from '../http/problem.js';
import { isAdmin } from '../http/requestState.js';
import { Endpoint, type RouteSpec } from '../http/route.js';
import { buildOpenApi } from '../openapi/buildOpenApi.js';
import { docsPage } from '../openapi/docsPage.js';

const TAG = 'system';
const VERSION = '0.1.0';

/** Keys, probes and documentation. */
@Controller()
export class SystemController {
  private openApi: Record<string, unknown> | undefined;

  constructor(
    @Inject(JwksCache) private readonly jwksCache: JwksCache,
    @Inject(Readiness) private readonly readinessCheck: Readiness,
    @Inject(ROUTE_SPECS) private readonly specs: readonly RouteSpec[],
    @Inject(CONFIG) private readonly config: GatewayConfig,
  ) {}

  @Endpoint({
    method: 'GET',
    path: '/.well-known/jwks.json',
    tag: TAG,
    summary: 'Public keys that verify access tokens (RFC 7517)',
    auth: 'none',
    rateClass: 'none',
    cache: true,
    response: getJwksQuery.reply,
  })
  getJwks() {
    return this.jwksCache.jwks();
  }

  @Endpoint({
    method: 'GET',
    path: '/healthz',
    tag: TAG,
    summary: 'Liveness: the process answers',
    auth: 'none',
    rateClass: 'none',
    response: z.object({ status: z.literal('ok') }),
  })
  liveness() {
    return { status: 'ok' as const };
  }

  @Endpoint({
    method: 'GET',
    path: '/readyz',
    tag: TAG,
    summary: 'Readiness: NATS connected and every service answers its health query',
    auth: 'none',
    rateClass: 'none',
    response: z.object({ status: z.literal('ready'), checks: z.record(z.string(), z.unknown()) }),
  })
  async readiness() {
    const report = await this.readinessCheck.check();
    if (!report.ready) {
      const failing = Object.keys(report.checks).filter((name) => !report.checks[name]?.ok);
      throw new HttpProblemError(
        503,
        'not-ready',
        'Not ready',
        `Failing checks: ${failing.join(', ')}`,
        { 'retry-after': '5' },
        { checks: report.checks },
      );
    }
    return { status: 'ready' as const, checks: report.checks };
  }

  @Endpoint({
    method: 'GET',
    path: '/openapi.json',
    tag: TAG,
    summary: 'This API as an OpenAPI 3.1 document',
    auth: 'optional',
    response: z.record(z.string(), z.unknown()),
  })
  openApiDocument(@Req() request: FastifyRequest) {
    this.assertDocsVisible(request);
    this.openApi ??= buildOpenApi(this.specs, {
      serverUrl: new URL(this.config.ROOT_PATH || '/', this.config.PUBLIC_URL).toString().replace(/\/$/, ''),
      version: VERSION,
      refreshCookieName: this.config.REFRESH_COOKIE_NAME,
    });
    return this.openApi;
  }

  @Endpoint({
    method: 'GET',
    path: '/docs',
    tag: TAG,
    summary: 'Human-readable list of the operations',
    auth: 'optional',
    produces: 'text/html',
  })
  docs(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): string {
    this.assertDocsVisible(request);
    reply.type('text/html; charset=utf-8');
    return docsPage(this.specs, `${this.config.ROOT_PATH}/openapi.json`, this.config.ROOT_PATH);
  }

  // In production the API surface is not advertised, except to administrators.
  private assertDocsVisible(request: FastifyRequest): void {
    if (!this.config.DOCS_ENABLED && !isAdmin(request.gw.principal)) throw new NotFoundError('No such route');
  }
}
