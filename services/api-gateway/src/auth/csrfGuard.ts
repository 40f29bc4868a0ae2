import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { CONFIG } from '../app/tokens.js';
import { allowedOrigins, type GatewayConfig } from '../config.js';
import { HttpProblemError } from '../http/problem.js';
import { requireRouteSpec } from '../http/route.js';
import { checkCsrf } from './csrf.js';
import { SessionCookies } from './sessionCookies.js';

const header = (value: string | string[] | undefined): string | undefined =>
  Array.isArray(value) ? value[0] : value;

/**
 * CSRF defence for routes a browser authenticates with the refresh cookie (refresh, logout). A request
 * that authenticates otherwise (Bearer token, refresh token in the body) carries nothing a forged
 * cross-site request could ride on, so it skips the check.
 */
@Injectable()
export class CsrfGuard implements CanActivate {
  private readonly origins: ReadonlySet<string>;

  constructor(
    @Inject(SessionCookies) private readonly cookies: SessionCookies,
    @Inject(CONFIG) config: GatewayConfig,
  ) {
    this.origins = allowedOrigins(config);
  }

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    // Fails closed: no spec, no request (the spec comes from the route, not from another guard).
    if (!requireRouteSpec(request).csrf || this.cookies.refreshSource(request) !== 'cookie') return true;
    const verdict = checkCsrf(
      {
        cookieToken: this.cookies.csrfTokenOf(request),
        headerToken: header(request.headers['x-csrf-token']),
        origin: header(request.headers.origin),
        referer: header(request.headers.referer),
      },
      this.origins,
    );
    if (!verdict.ok) throw new HttpProblemError(403, 'csrf', 'CSRF check failed', verdict.reason);
    return true;
  }
}
