import { RateLimitedError } from '@ledgerline/contracts';
import type { Logger } from '@ledgerline/platform';
import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CONFIG, LOGGER } from '../app/tokens.js';
import type { GatewayConfig } from '../config.js';
import { requireRouteSpec } from '../http/route.js';
import { limitsFor } from './limitPolicy.js';
import { RateLimiter } from './rateLimiter.js';

const emailOf = (body: unknown): string | undefined => {
  const email = (body as { email?: unknown } | null | undefined)?.email;
  return typeof email === 'string' ? email.slice(0, 320) : undefined;
};

/**
 * Sliding-window limits after authentication (the tier comes from the token). Every limited response
 * carries RateLimit-Limit/Remaining/Reset (draft-ietf-httpapi-ratelimit-headers); a refusal is a 429
 * with Retry-After. Redis trouble lets requests through: identity throttles sign-ins on its own, and
 * an outage of the limiter should not become an outage of the API.
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  constructor(
    @Inject(RateLimiter) private readonly limiter: RateLimiter,
    @Inject(CONFIG) private readonly config: GatewayConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    // Fails closed: no spec, no request. The spec never depends on another guard having run, so the
    // guards' order cannot switch limits off (before auth, a token holder counts per IP, not per user).
    const spec = requireRouteSpec(request);
    if (!this.config.RATE_LIMIT_ENABLED || spec.rateClass === 'none') return true;
    const caller = { principal: request.gw.principal, ip: request.ip, email: emailOf(request.body) };
    const limits = limitsFor(spec.rateClass, caller, this.config);
    let decision: Awaited<ReturnType<RateLimiter['hit']>>;
    try {
      decision = await this.limiter.hit(limits);
    } catch (err) {
      this.logger.warn({ err }, 'rate limiter unavailable; request let through');
      return true;
    }
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    reply.header('ratelimit-limit', decision.limit);
    reply.header('ratelimit-remaining', decision.remaining);
    reply.header('ratelimit-reset', decision.resetSeconds);
    reply.header('ratelimit-policy', `${decision.limit};w=${this.config.RATE_LIMIT_WINDOW_SECONDS}`);
    if (!decision.allowed) {
      throw new RateLimitedError('Too many requests; retry later', decision.retryAfterSeconds);
    }
    return true;
  }
}
