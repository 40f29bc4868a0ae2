import type { Logger } from '@ledgerline/platform';
import { type ArgumentsHost, Catch, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { toProblem } from './problem.js';

/** Every error, from guards, handlers or Fastify itself (parsing, size, 404), leaves as problem+json. */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  constructor(private readonly logger: Logger) {}

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const problem = toProblem(error);
    // A 503 is an outage downstream, reported once per request without a stack; a 500 is our bug.
    if (problem.status === 503) {
      const message = error instanceof Error ? error.message : String(error);
      this.logger.warn(
        { requestId: request.gw?.requestId, status: 503, reason: message },
        'service unavailable',
      );
    } else if (problem.status >= 500) {
      this.logger.error(
        { err: error, requestId: request.gw?.requestId, status: problem.status },
        'request failed',
      );
    }
    if (reply.sent) return;
    problem.body.instance = request.url.split('?')[0];
    if (request.gw?.requestId) problem.body.requestId = request.gw.requestId;
    reply
      .status(problem.status)
      .headers(problem.headers)
      .header('cache-control', 'no-store')
      .type('application/problem+json')
      .send(problem.body);
  }
}
