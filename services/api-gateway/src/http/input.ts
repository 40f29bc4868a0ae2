import { type ClientInfo, ValidationError, zodIssues } from '@ledgerline/contracts';
import type { FastifyRequest } from 'fastify';
import type { z } from 'zod';

/** Where a value came from; issue paths are prefixed with it (`body.email`, `query.limit`). */
export type InputLocation = 'body' | 'query' | 'params';

/** Parses request input with a zod schema; a mismatch is a 422 listing every issue. */
export function parseInput<S extends z.ZodType>(
  schema: S,
  value: unknown,
  location: InputLocation,
): z.output<S> {
  const result = schema.safeParse(value ?? (location === 'body' ? undefined : {}));
  if (result.success) return result.data;
  const issues = zodIssues(result.error).map((issue) => ({
    ...issue,
    path: issue.path ? `${location}.${issue.path}` : location,
  }));
  const first = issues[0];
  throw new ValidationError(`Invalid ${location}: ${first?.path}: ${first?.message}`, { issues });
}

/** The request's body, query and params, each parsed with the route's schema. */
export function inputOf<S extends z.ZodType>(request: FastifyRequest, schema: S, location: InputLocation) {
  const value = location === 'body' ? request.body : location === 'query' ? request.query : request.params;
  return parseInput(schema, value, location);
}

/** Client facts for sessions and throttling: always from the connection, never from the body. */
export function clientOf(request: FastifyRequest): ClientInfo {
  const userAgent = request.headers['user-agent'];
  return {
    ip: request.ip.slice(0, 64),
    ...(typeof userAgent === 'string' && userAgent !== '' ? { userAgent: userAgent.slice(0, 512) } : {}),
  };
}
