import type { ServerResponse } from 'node:http';
import { HttpProblemError, toProblem, UNAVAILABLE_RETRY_AFTER_SECONDS } from '../http/problem.js';

const PROBLEM_JSON = 'application/problem+json; charset=utf-8';

/**
 * Answers with the gateway's RFC 9457 problem+json shape (the same `type` URIs, `requestId`,
 * `instance`, Cache-Control: no-store, the problem's own headers such as Retry-After), written on a
 * plain `node:http` response: the ingress has no Fastify reply to hand it to ProblemResponder.
 */
export function replyProblem(
  res: ServerResponse,
  error: HttpProblemError,
  requestId: string,
  path: string,
): void {
  const problem = toProblem(error);
  problem.body.instance = path.length > 256 ? `${path.slice(0, 256)}…` : path;
  problem.body.requestId = requestId;
  const body = JSON.stringify(problem.body);
  res.writeHead(problem.status, {
    ...problem.headers,
    'content-type': PROBLEM_JSON,
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    'x-request-id': requestId,
  });
  res.end(body);
}

/** The problems the ingress answers with (a 2xx is the only other answer). */
export const webhookProblems = {
  invalid: (reason: string) => new HttpProblemError(400, 'invalid-webhook', 'Invalid webhook', reason),
  tooLarge: () =>
    new HttpProblemError(
      413,
      'payload-too-large',
      'Payload too large',
      'The request body exceeds the size limit',
    ),
  notFound: () => new HttpProblemError(404, 'not-found', 'Not found', 'No such route'),
  malformed: (reason: string) => new HttpProblemError(400, 'malformed-request', 'Malformed request', reason),
  notStored: () =>
    new HttpProblemError(
      503,
      'unavailable',
      'Service unavailable',
      'The event could not be stored; retry later',
      {
        'retry-after': String(UNAVAILABLE_RETRY_AFTER_SECONDS),
      },
    ),
  notReady: (detail: string) =>
    new HttpProblemError(503, 'not-ready', 'Not ready', detail, {
      'retry-after': String(UNAVAILABLE_RETRY_AFTER_SECONDS),
    }),
};
