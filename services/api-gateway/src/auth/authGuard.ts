import { ForbiddenError, UnauthorizedError } from '@ledgerline/contracts';
import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { CONFIG } from '../app/tokens.js';
import type { GatewayConfig } from '../config.js';
import { isAdmin } from '../http/requestState.js';
import { requireRouteSpec } from '../http/route.js';
import { AccessTokenVerifier } from './accessTokenVerifier.js';
import { VerifiedEmailCheck } from './verifiedEmailCheck.js';

/** The token of an `Authorization: Bearer <token>` header; undefined when absent, 401 when malformed. */
export function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const match = /^Bearer[ ]+([A-Za-z0-9._~+/=-]{1,4096})[ ]*$/i.exec(header);
  if (!match?.[1]) throw new UnauthorizedError('Malformed Authorization header: expected "Bearer <token>"');
  return match[1];
}

/**
 * Verifies the access token when the route needs (or accepts) one, records the principal, then applies
 * the admin and verified-e-mail requirements. The route spec was resolved before any guard ran (the
 * `onRequest` hook); without one the request is refused.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    @Inject(AccessTokenVerifier) private readonly verifier: AccessTokenVerifier,
    @Inject(VerifiedEmailCheck) private readonly verifiedEmail: VerifiedEmailCheck,
    @Inject(CONFIG) private readonly config: GatewayConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const spec = requireRouteSpec(request);
    if (spec.auth === 'none') return true;
    const token = bearerToken(request.headers.authorization);
    if (token === undefined) {
      if (spec.auth === 'optional') return true;
      throw new UnauthorizedError('A Bearer access token is required');
    }
    const principal = await this.verifier.verify(token);
    request.gw.principal = principal;
    if (spec.auth === 'admin' && !isAdmin(principal)) throw new ForbiddenError('Administrators only');
    if (spec.requireVerifiedEmail || this.config.REQUIRE_VERIFIED_EMAIL.includes(spec.operationId)) {
      await this.verifiedEmail.assert(principal, request);
    }
    return true;
  }
}
