import { isAppError, toErrorShape } from '@ledgerline/contracts';
import { Catch, type RpcExceptionFilter } from '@nestjs/common';
import type { Logger } from 'pino';
import { type Observable, throwError } from 'rxjs';

/**
 * Lets a `@MessagePattern` handler throw AppErrors: they become `{ ok: false, error }` replies with
 * their code. Anything else is logged with its stack and replied as a generic INTERNAL.
 */
@Catch()
export class ReplyExceptionFilter implements RpcExceptionFilter {
  constructor(private readonly logger: Logger) {}

  catch(exception: unknown): Observable<never> {
    if (!isAppError(exception)) this.logger.error({ err: exception }, 'unhandled error in message handler');
    return throwError(() => toErrorShape(exception));
  }
}
