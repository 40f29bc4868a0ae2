import type { Socket } from 'node:net';
import type { Logger } from '@ledgerline/platform';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { HttpClientError, type Problem, toProblem } from './problem.js';
import { acceptRequestId } from './requestId.js';

const PROBLEM_JSON = 'application/problem+json; charset=utf-8';

const STATUS_TEXT: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  408: 'Request Timeout',
  431: 'Request Header Fields Too Large',
};

/**
 * The one way an error leaves the gateway: RFC 9457 problem+json with X-Request-Id, `instance`,
 * Cache-Control: no-store, the problem's own headers (Retry-After, WWW-Authenticate) and the security
 * headers. Every source of errors ends here: the Nest exception filter (guards, handlers, body
 * parsing, Nest's 404), Fastify's router errors (bad percent-encoding, an over-long path parameter,
 * which no hook sees) and malformed HTTP on the socket (framing, header overflow).
 */
export class ProblemResponder {
  /** Helmet's headers, set once at start (see installSecurityHeaders); router errors skip the hooks. */
  private securityHeaders: Readonly<Record<string, string>> = {};

  constructor(private readonly logger: Logger) {}

  useSecurityHeaders(headers: Readonly<Record<string, string>>): void {
    this.securityHeaders = headers;
  }

  /** Answers `request` with the problem `error` maps to (unless a response was already sent). */
  send(error: unknown, request: FastifyRequest, reply: FastifyReply): void {
    const problem = toProblem(error);
    // Router errors reach us before the onRequest hook: take (or make) the request id here.
    const requestId = request.gw?.requestId ?? acceptRequestId(request.headers['x-request-id']);
    this.log(error, problem, requestId);
    if (reply.sent) return;
    problem.body.instance = instanceOf(request.url);
    problem.body.requestId = requestId;
    if (!request.gw) reply.headers(this.securityHeaders);
    reply
      .status(problem.status)
      .headers(problem.headers)
      .header('x-request-id', requestId)
      .header('cache-control', 'no-store')
      .type(PROBLEM_JSON)
      .send(problem.body);
  }

  /**
   * Answers malformed HTTP on the raw socket (Fastify's `clientErrorHandler`): there is no request to
   * reply to, so the response is written by hand, then the connection is closed.
   */
  clientError(error: NodeJS.ErrnoException, socket: Socket): void {
    // A reset connection, or one already gone, has nobody to answer.
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    const problem = toProblem(new HttpClientError(error.code));
    const requestId = acceptRequestId(undefined);
    problem.body.requestId = requestId;
    this.logger.debug({ err: error, requestId, status: problem.status }, 'malformed HTTP refused');
    if (!socket.writable) {
      socket.destroy();
      return;
    }
    const body = JSON.stringify(problem.body);
    const head = [
      `HTTP/1.1 ${problem.status} ${STATUS_TEXT[problem.status] ?? 'Bad Request'}`,
      `Content-Type: ${PROBLEM_JSON}`,
      `Content-Length: ${Buffer.byteLength(body)}`,
      `X-Request-Id: ${requestId}`,
      'Cache-Control: no-store',
      'Connection: close',
      ...Object.entries(this.securityHeaders).map(([name, value]) => `${name}: ${value}`),
    ];
    // end() flushes the answer, then closes: the rest of the stream cannot be trusted.
    socket.end(`${head.join('\r\n')}\r\n\r\n${body}`);
  }

  // A 503 is an outage downstream, reported once per request without a stack; a 500 is our bug.
  private log(error: unknown, problem: Problem, requestId: string): void {
    if (problem.status === 503) {
      const reason = error instanceof Error ? error.message : String(error);
      this.logger.warn({ requestId, status: 503, reason }, 'service unavailable');
    } else if (problem.status >= 500) {
      this.logger.error({ err: error, requestId, status: problem.status }, 'request failed');
    }
  }
}

// The path only (never the query, which may hold e-mails), bounded: an over-long or garbled URL is
// the reason for some of these problems and is not worth echoing whole.
function instanceOf(url: string): string {
  const path = url.split('?')[0] ?? '';
  return path.length > 256 ? `${path.slice(0, 256)}…` : path;
}
