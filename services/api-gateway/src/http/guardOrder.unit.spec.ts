import 'reflect-metadata';
import { isAppError } from '@ledgerline/contracts';
import type { Logger } from '@ledgerline/platform';
import type { CanActivate, ExecutionContext } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { describe, expect, it } from 'vitest';
import type { AccessTokenVerifier } from '../auth/accessTokenVerifier.js';
import { AuthGuard } from '../auth/authGuard.js';
import { CsrfGuard } from '../auth/csrfGuard.js';
import { SessionCookies } from '../auth/sessionCookies.js';
import type { VerifiedEmailCheck } from '../auth/verifiedEmailCheck.js';
import { loadGatewayConfig } from '../config.js';
import type { LimitKey, RateLimiter } from '../limits/rateLimiter.js';
import { RateLimitGuard } from '../limits/rateLimitGuard.js';
import type { Principal } from './requestState.js';
import { type EndpointOptions, type RouteSpec, resolveRouteSpec, routeConfigFor } from './route.js';

// §4 of issue 7: the route spec is resolved once (the onRequest hook, from the route's Fastify config)
// before any guard; each guard fails closed without it, and no order of the guards turns the rate
// limits or the CSRF check off.

const config = loadGatewayConfig({ NODE_ENV: 'test', COOKIE_SECURE: 'false', RATE_LIMIT_LOGIN: '2' });

const spec = (options: Partial<EndpointOptions> & Pick<RouteSpec, 'operationId'>): RouteSpec => ({
  method: 'POST',
  path: '/x',
  summary: 'x',
  tag: 'x',
  auth: 'user',
  requireVerifiedEmail: false,
  rateClass: 'api',
  status: 200,
  idempotent: false,
  cache: false,
  csrf: false,
  ...options,
});

const LOGIN = spec({ operationId: 'login', auth: 'none', rateClass: 'login' });
const REFRESH = spec({ operationId: 'refresh', auth: 'none', csrf: true });
const GET_ME = spec({ operationId: 'getMe', method: 'GET' });

const principal: Principal = {
  userId: '0190f5c2-0000-7000-8000-000000000001',
  sessionId: '0190f5c2-0000-7000-8000-000000000002',
  roles: ['user'],
  tier: 'pro',
  mfa: false,
  emailVerified: true,
};

/** A request as Fastify hands it to Nest after the onRequest hook: spec resolved from the route config. */
function request(route: RouteSpec | undefined, init: Partial<FastifyRequest> = {}): FastifyRequest {
  const req = {
    method: route?.method ?? 'GET',
    url: route?.path ?? '/unknown',
    ip: '203.0.113.7',
    headers: {},
    cookies: {},
    body: undefined,
    routeOptions: { config: route ? routeConfigFor(route) : {} },
    ...init,
  } as unknown as FastifyRequest;
  req.gw = { requestId: 'req-00000001', startedAt: 0, spec: resolveRouteSpec(req), principal: undefined };
  return req;
}

const contextOf = (req: FastifyRequest): ExecutionContext =>
  ({
    switchToHttp: () => ({
      getRequest: () => req,
      getResponse: () => ({ header: () => undefined }) as unknown as FastifyReply,
    }),
    getHandler: () => () => undefined,
    getClass: () => Object,
  }) as unknown as ExecutionContext;

/** A limiter that counts hits per key in memory and refuses beyond each key's limit. */
class CountingLimiter {
  readonly counts = new Map<string, number>();
  async hit(limits: readonly LimitKey[]) {
    const allowed = limits.every((l) => (this.counts.get(l.key) ?? 0) < l.limit);
    if (allowed) for (const l of limits) this.counts.set(l.key, (this.counts.get(l.key) ?? 0) + 1);
    const limit = limits[0]?.limit ?? 0;
    return { allowed, limit, remaining: 0, resetSeconds: 60, retryAfterSeconds: allowed ? 0 : 60 };
  }
}

const silent = { warn: () => undefined, isLevelEnabled: () => false } as unknown as Logger;

function guards() {
  const limiter = new CountingLimiter();
  const verifier = { verify: async () => principal } as unknown as AccessTokenVerifier;
  const verifiedEmail = { assert: async () => undefined } as unknown as VerifiedEmailCheck;
  const auth = new AuthGuard(verifier, verifiedEmail, config);
  const rateLimit = new RateLimitGuard(limiter as unknown as RateLimiter, config, silent);
  const csrf = new CsrfGuard(new SessionCookies(config), config);
  return { limiter, all: { auth, rateLimit, csrf } as Record<string, CanActivate> };
}

const permutations = <T>(items: readonly T[]): T[][] =>
  items.length <= 1
    ? [[...items]]
    : items.flatMap((item, i) =>
        permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]),
      );

/** Runs the guards in the given order as Nest does: stop at the first refusal (a throw). */
async function runChain(order: readonly CanActivate[], req: FastifyRequest): Promise<unknown> {
  try {
    for (const guard of order) {
      if (!(await guard.canActivate(contextOf(req)))) return 'denied';
    }
    return 'passed';
  } catch (error) {
    return error;
  }
}

const codeOf = (outcome: unknown) =>
  isAppError(outcome) ? outcome.code : (outcome as { status?: number })?.status;

describe('guard order (issue 7 §4)', () => {
  it('the onRequest hook resolves the spec from the route config, before and independent of any guard', () => {
    expect(request(LOGIN).gw.spec).toBe(LOGIN);
    expect(request(undefined).gw.spec).toBeUndefined();
  });

  it('every guard refuses a request whose route spec was not resolved (fail closed)', async () => {
    const { all } = guards();
    for (const [name, guard] of Object.entries(all)) {
      const outcome = await runChain([guard], request(undefined));
      expect(codeOf(outcome), name).toBe('INTERNAL');
    }
  });

  it('in every order of the guards, the login limit still refuses the third try', async () => {
    const names = ['auth', 'rateLimit', 'csrf'];
    for (const order of permutations(names)) {
      const { all } = guards();
      const chain = order.map((n) => all[n]!);
      const outcomes = [];
      for (let i = 0; i < 3; i++) {
        outcomes.push(await runChain(chain, request(LOGIN, { body: { email: 'ada@example.test' } })));
      }
      expect(outcomes.slice(0, 2), order.join(' → ')).toEqual(['passed', 'passed']);
      expect(codeOf(outcomes[2]), order.join(' → ')).toBe('RATE_LIMITED');
    }
  });

  it('in every order of the guards, a signed-in request is counted against a limit', async () => {
    for (const order of permutations(['auth', 'rateLimit', 'csrf'])) {
      const { all, limiter } = guards();
      const req = request(GET_ME, { headers: { authorization: 'Bearer abc.def.ghi' } });
      expect(
        await runChain(
          order.map((n) => all[n]!),
          req,
        ),
        order.join(' → '),
      ).toBe('passed');
      // Before auth the caller counts per IP (stricter), after it per user: never not at all.
      expect(
        [...limiter.counts.values()].reduce((a, b) => a + b, 0),
        order.join(' → '),
      ).toBe(1);
    }
  });

  it('in every order of the guards, a cookie refresh without the CSRF token is refused', async () => {
    for (const order of permutations(['auth', 'rateLimit', 'csrf'])) {
      const { all } = guards();
      const req = request(REFRESH, {
        cookies: { [config.REFRESH_COOKIE_NAME]: 'refresh-token-from-cookie' },
      });
      const outcome = await runChain(
        order.map((n) => all[n]!),
        req,
      );
      expect(codeOf(outcome), order.join(' → ')).toBe(403);
    }
  });
});
