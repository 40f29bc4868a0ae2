import { z } from 'zod';
import { openApiPath, type RouteSpec } from '../http/route.js';

export interface OpenApiOptions {
  readonly serverUrl: string;
  readonly version: string;
  readonly refreshCookieName: string;
}

type Json = Record<string, unknown>;

// A zod schema as an OpenAPI 3.1 (JSON Schema 2020-12) schema: requests as accepted, replies as sent.
const jsonSchema = (schema: z.ZodType, io: 'input' | 'output'): Json => {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Json;
  return rest;
};

const problemSchema = {
  type: 'object',
  description: 'RFC 9457 problem details',
  required: ['type', 'title', 'status', 'detail'],
  properties: {
    type: { type: 'string', format: 'uri', examples: ['https://ledgerline.dev/problems/validation'] },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    instance: { type: 'string' },
    requestId: { type: 'string' },
    retryAfter: { type: 'integer', description: 'Seconds (429 only)' },
    errorCount: { type: 'integer', description: 'How many validation issues there were (422 only)' },
    errors: {
      type: 'array',
      description: 'The first 20 validation issues (422 only); errorCount gives the total',
      items: {
        type: 'object',
        properties: { path: { type: 'string' }, message: { type: 'string' }, code: { type: 'string' } },
      },
    },
  },
};

const PROBLEM_DESCRIPTIONS: Record<number, string> = {
  400: 'Malformed request (invalid JSON, bad URL encoding)',
  401: 'Missing, invalid or expired credentials',
  403: 'Not allowed (role, unverified e-mail, CSRF check)',
  404: 'Not found',
  409: 'Conflict (duplicate, state, concurrent change, idempotent request in flight)',
  413: 'Body too large',
  415: 'Body not sent as the media type the operation consumes (application/json unless stated)',
  422: 'Invalid input: fields, NUL or unpaired surrogates in text, JSON nested too deep (or an Idempotency-Key reused with another body)',
  429: 'Rate limited; see Retry-After',
  500: 'Internal error',
  502: 'A service sent an invalid reply',
  503: 'A service did not answer; see Retry-After',
};

/** The problem statuses a route can answer, from what its spec says it does. */
export function problemStatuses(spec: RouteSpec): number[] {
  const statuses = new Set<number>([500]);
  const internal = spec.tag === 'system';
  if (spec.body) statuses.add(400).add(413).add(415);
  if (spec.body || spec.query || spec.params || spec.idempotent) statuses.add(422);
  if (spec.auth !== 'none' || spec.csrf) statuses.add(401);
  if (spec.auth === 'admin' || spec.csrf || spec.requireVerifiedEmail) statuses.add(403);
  if (spec.params || spec.auth === 'user' || spec.auth === 'admin') statuses.add(404);
  if (spec.method !== 'GET' && !internal) statuses.add(409);
  if (spec.rateClass !== 'none') statuses.add(429);
  if (!internal || spec.operationId === 'readiness' || spec.operationId === 'getJwks') statuses.add(503);
  if (!internal) statuses.add(502);
  for (const status of spec.errors ?? []) statuses.add(status);
  return [...statuses].sort((a, b) => a - b);
}

const header = (name: string, description: string, required = false): Json => ({
  name,
  in: 'header',
  required,
  description,
  schema: { type: 'string' },
});

function parameters(spec: RouteSpec): Json[] {
  const params: Json[] = [header('X-Request-Id', 'Correlates logs; echoed back (generated when absent)')];
  for (const [where, schema] of [
    ['path', spec.params],
    ['query', spec.query],
  ] as const) {
    if (!schema) continue;
    const object = jsonSchema(schema, 'input') as { properties?: Record<string, Json>; required?: string[] };
    for (const [name, property] of Object.entries(object.properties ?? {})) {
      const required = where === 'path' || (object.required ?? []).includes(name);
      params.push({ name, in: where, required, schema: property });
    }
  }
  if (spec.idempotent)
    params.push(header('Idempotency-Key', 'Replays the stored response for a retried request'));
  if (spec.cache)
    params.push(header('If-None-Match', 'An ETag from a previous response; 304 when unchanged'));
  if (spec.csrf)
    params.push(header('X-CSRF-Token', 'Equal to the CSRF cookie; required when the refresh cookie is used'));
  return params;
}

function operation(spec: RouteSpec): Json {
  const success: Json = { description: spec.summary };
  if (spec.response)
    success.content = { 'application/json': { schema: jsonSchema(spec.response, 'output') } };
  if (spec.produces) success.content = { [spec.produces]: { schema: { type: 'string' } } };
  const responses: Json = { [String(spec.status)]: success };
  if (spec.cache) responses['304'] = { description: 'Not modified (If-None-Match matched the ETag)' };
  for (const status of problemStatuses(spec)) {
    responses[String(status)] = {
      description: PROBLEM_DESCRIPTIONS[status],
      content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
    };
  }
  const op: Json = {
    operationId: spec.operationId,
    summary: spec.summary,
    tags: [spec.tag],
    parameters: parameters(spec),
    responses,
  };
  if (spec.body) {
    op.requestBody = {
      required: !spec.body.safeParse(undefined).success,
      content: { [spec.consumes ?? 'application/json']: { schema: jsonSchema(spec.body, 'input') } },
    };
  }
  const security = securityOf(spec);
  if (security) op.security = security;
  return op;
}

function securityOf(spec: RouteSpec): Json[] | undefined {
  if (spec.csrf)
    return spec.auth === 'optional'
      ? [{ bearer: [] }, { refreshCookie: [] }, {}]
      : [{ refreshCookie: [] }, {}];
  if (spec.auth === 'user' || spec.auth === 'admin') return [{ bearer: [] }];
  if (spec.auth === 'optional') return [{ bearer: [] }, {}];
  return [];
}

/** The OpenAPI 3.1 document of the given routes; operationIds are the handler names. */
export function buildOpenApi(specs: readonly RouteSpec[], options: OpenApiOptions): Json {
  const paths: Record<string, Json> = {};
  for (const spec of specs) {
    const path = openApiPath(spec.path);
    paths[path] = { ...paths[path], [spec.method.toLowerCase()]: operation(spec) };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Ledgerline API',
      version: options.version,
      description:
        'HTTP gateway of Ledgerline. Errors are RFC 9457 problem+json; responses carry X-Request-Id and, when limited, RateLimit-* headers.',
    },
    servers: [{ url: options.serverUrl }],
    tags: [...new Set(specs.map((s) => s.tag))].map((name) => ({ name })),
    paths,
    components: {
      schemas: { Problem: problemSchema },
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT (EdDSA)' },
        refreshCookie: { type: 'apiKey', in: 'cookie', name: options.refreshCookieName },
      },
    },
  };
}
