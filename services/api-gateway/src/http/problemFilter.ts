import { type ArgumentsHost, Catch, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ProblemResponder } from './problemResponse.js';

/** Every error inside Nest (guards, handlers, body parsing, Nest's 404) leaves through the responder. */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  constructor(private readonly responder: ProblemResponder) {}

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    this.responder.send(error, http.getRequest<FastifyRequest>(), http.getResponse<FastifyReply>());
  }
}
