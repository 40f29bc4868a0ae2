import { getJwksQuery, NotFoundError } from '@ledgerline/contracts';
import { Controller, Inject, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { Readiness } from '../app/readiness.js';
import { CONFIG, ROUTE_SPECS } from '../app/tokens.js';
import { JwksCache } from '../auth/jwksCache.js';
import type { GatewayConfig } from '../config.js';
import { inputOf } from '../http/input.js';
import { HttpProblemError } from '../http/problem.js';
import { isAdmin } from '../http/requestState.js';
import { Endpoint, type RouteSpec } from '../http/route.js';
import { buildOpenApi } from '../openapi/buildOpenApi.js';
import { DOCS_ASSETS, docsAsset } from '../openapi/docsAssets.js';
import { docsPage } from '../openapi/docsPage.js';

const TAG = 'system';
const VERSION = '0.1.0';
const docsAssetParams = z.object({ file: z.enum(DOCS_ASSETS) });
const readinessQuery = z.object({ full: z.string().optional() });

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
    summary: "Readiness: this process's own dependencies (NATS); `?full` adds every service's health query",
    auth: 'none',
    rateClass: 'none',
    query: readinessQuery,
    response: z.object({ status: z.literal('ready'), checks: z.record(z.string(), z.unknown()) }),
  })
  async readiness(@Req() request: FastifyRequest) {
    // Kubernetes probes the plain /readyz: one broken downstream service must not take the API out
    // of its endpoints. `?full` is for humans and dashboards.
    const { full } = inputOf(request, readinessQuery, 'query');
    const report = await this.readinessCheck.check({ full: full !== undefined });
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
    summary: 'Interactive API explorer (Swagger UI): operations, schemas, try it out',
    auth: 'optional',
    produces: 'text/html',
  })
  docs(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): string {
    this.assertDocsVisible(request);
    reply.type('text/html; charset=utf-8');
    const root = this.config.ROOT_PATH;
    return docsPage(`${root}/openapi.json`, `${root}/docs/assets`, this.config.CSRF_COOKIE_NAME);
  }

  @Endpoint({
    method: 'GET',
    path: '/docs/assets/:file',
    tag: TAG,
    summary: "The explorer's scripts and styles (served locally, no CDN)",
    auth: 'none',
    rateClass: 'none',
    params: docsAssetParams,
    produces: 'text/javascript',
  })
  docsAsset(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Buffer {
    const { file } = inputOf(request, docsAssetParams, 'params');
    const asset = docsAsset(file);
    // Static library files that reveal nothing about the API: cacheable, public even when /docs is not.
    reply.type(asset.contentType).header('cache-control', 'public, max-age=86400');
    return asset.body;
  }

  // In production the API surface is not advertised, except to administrators.
  private assertDocsVisible(request: FastifyRequest): void {
    if (!this.config.DOCS_ENABLED && !isAdmin(request.gw.principal)) throw new NotFoundError('No such route');
  }
}
