import { InternalError } from '@ledgerline/contracts';
import { HttpCode, RequestMapping, RequestMethod, UseInterceptors } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import type { FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { IdempotencyInterceptor } from '../idempotency/idempotencyInterceptor.js';

/** Who may call a route: anyone, anyone (principal read when a token is sent), a signed-in user, an admin. */
export type AuthMode = 'none' | 'optional' | 'user' | 'admin';

/**
 * Rate-limit class: `api` counts per caller and tier; the strict classes count per IP + e-mail whatever
 * the tier (credential stuffing, mail bombing); `none` skips limits (probes, docs).
 */
export type RateClass = 'api' | 'login' | 'forgot' | 'resend' | 'codeRequest' | 'none';

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/** Everything the cross-cutting layers (auth, limits, idempotency, caching, OpenAPI) know about a route. */
export interface RouteSpec {
  readonly method: HttpMethod;
  /** Nest path syntax (`/me/sessions/:id`), without the root path. */
  readonly path: string;
  /** The handler's method name; also the OpenAPI operationId. */
  readonly operationId: string;
  readonly summary: string;
  readonly tag: string;
  readonly auth: AuthMode;
  readonly requireVerifiedEmail: boolean;
  readonly rateClass: RateClass;
  /** Success status. */
  readonly status: number;
  readonly body?: z.ZodType;
  readonly query?: z.ZodType;
  readonly params?: z.ZodType;
  /** Success body schema (OpenAPI only); none for empty responses. */
  readonly response?: z.ZodType;
  /** Honours `Idempotency-Key`. Off for responses carrying secrets (tokens, TOTP secrets, recovery codes). */
  readonly idempotent: boolean;
  /** ETag, If-None-Match and Cache-Control (query routes). */
  readonly cache: boolean;
  /** May be authenticated by the refresh-token cookie, so a cookie request must pass the CSRF check. */
  readonly csrf: boolean;
  /** Content type of a non-JSON success body (the docs page). */
  readonly produces?: string;
  /** Content type of the request body when it is not JSON (the e-mail link pages post forms). */
  readonly consumes?: string;
  /** Problem statuses the route answers beyond those its spec implies (OpenAPI), e.g. 409 on a GET. */
  readonly errors?: readonly number[];
}

export type EndpointOptions = Pick<RouteSpec, 'method' | 'path' | 'summary' | 'tag'> &
  Partial<Omit<RouteSpec, 'method' | 'path' | 'summary' | 'tag' | 'operationId'>>;

const ROUTE_SPEC = Symbol('ledgerline:gateway-route');
/** Key of the spec in the Fastify route's `config`, where the request hooks find it before any guard. */
const ROUTE_CONFIG_KEY = 'ledgerlineRoute';

const DEFAULTS = {
  auth: 'user',
  requireVerifiedEmail: false,
  rateClass: 'api',
  idempotent: false,
  cache: false,
  csrf: false,
} as const;

/**
 * Declares a gateway route: the Nest mapping, its success status and the spec the guards, interceptors
 * and OpenAPI builder read. The operationId is the handler's name, so docs and code cannot drift apart.
 */
export function Endpoint(options: EndpointOptions): MethodDecorator {
  return (target, key, descriptor) => {
    const status = options.status ?? (options.method === 'POST' ? 201 : 200);
    const spec: RouteSpec = { ...DEFAULTS, ...options, status, operationId: String(key) };
    Reflect.defineMetadata(ROUTE_SPEC, spec, descriptor.value as object);
    // The spec also travels in the Fastify route's config: the `onRequest` hook resolves it from there
    // once per request, before any guard runs (see resolveRouteSpec).
    RouteConfig(routeConfigFor(spec))(target, key, descriptor);
    RequestMapping({ path: options.path, method: RequestMethod[options.method] })(target, key, descriptor);
    HttpCode(status)(target, key, descriptor);
    // Only idempotent routes get the interceptor. As a global one it ran on every route, and any
    // interceptor at all puts Nest's rxjs pipeline (defer, mergeAll, lastValueFrom) around the
    // handler: ~8% of the gateway's CPU on GET /me, mostly allocations. Without one, Nest awaits
    // the handler's promise directly.
    if (spec.idempotent) UseInterceptors(IdempotencyInterceptor)(target, key, descriptor);
  };
}

/** The spec of a handler decorated with {@link Endpoint}, if any. */
export function routeSpecOf(handler: unknown): RouteSpec | undefined {
  return typeof handler === 'function' ? Reflect.getMetadata(ROUTE_SPEC, handler) : undefined;
}

/** The Fastify route `config` that carries a spec (what Endpoint registers; tests build requests with it). */
export const routeConfigFor = (spec: RouteSpec): Record<string, unknown> => ({ [ROUTE_CONFIG_KEY]: spec });

/**
 * The spec of the route Fastify matched for this request, read from the route's config. Undefined for
 * requests no Endpoint route matched (404s, CORS preflights). Called once per request by the
 * `onRequest` hook, which stores it as `request.gw.spec` before any guard runs.
 */
export function resolveRouteSpec(request: FastifyRequest): RouteSpec | undefined {
  const config = request.routeOptions.config as unknown as Record<string, unknown> | undefined;
  return config?.[ROUTE_CONFIG_KEY] as RouteSpec | undefined;
}

/**
 * The request's route spec, for the guards and interceptors. Each one fails closed: without a spec
 * (a route declared without Endpoint, a hook that did not run) the request is refused, never let
 * through with a layer silently skipped. Logged as a 500: it is a wiring bug, not the caller's fault.
 */
export function requireRouteSpec(request: FastifyRequest): RouteSpec {
  const spec = request.gw?.spec;
  if (!spec)
    throw new InternalError(`No route spec for ${request.method} ${request.url}: refused (fail closed)`);
  return spec;
}

/** Every route declared on the given controller classes, in declaration order. */
export function routeSpecsOf(
  controllers: readonly (abstract new (...args: never[]) => unknown)[],
): RouteSpec[] {
  const specs: RouteSpec[] = [];
  for (const controller of controllers) {
    const proto = controller.prototype as Record<string, unknown>;
    for (const name of Object.getOwnPropertyNames(proto)) {
      const spec = routeSpecOf(proto[name]);
      if (spec) specs.push(spec);
    }
  }
  return specs;
}

/** `/me/sessions/:id` → `/me/sessions/{id}` (OpenAPI path templating). */
export const openApiPath = (path: string): string => path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
