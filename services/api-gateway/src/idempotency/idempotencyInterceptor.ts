import { ConflictError, UnavailableError, ValidationError } from '@ledgerline/contracts';
import {
  type CallHandler,
  type ExecutionContext,
  Inject,
  Injectable,
  type NestInterceptor,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { defer, from, type Observable, of, switchMap } from 'rxjs';
import { catchError, concatMap } from 'rxjs/operators';
import { CONFIG } from '../app/tokens.js';
import type { GatewayConfig } from '../config.js';
import { HttpProblemError } from '../http/problem.js';
import { requireRouteSpec } from '../http/route.js';
import { fingerprintOf, IdempotencyStore } from './idempotencyStore.js';

const KEY_FORMAT = /^[\x21-\x7E]{1,255}$/;
// Response headers worth replaying; cookies are never stored (token routes are not idempotent).
const REPLAYED_HEADERS = ['content-type', 'location'];

/**
 * `Idempotency-Key` on POST commands (draft-ietf-httpapi-idempotency-key-header): the first request
 * runs and its 2xx response is stored; a retry with the same key and body gets that response again
 * (`Idempotent-Replayed: true`), a different body is 422, and a retry while the first is running is 409.
 * Failed requests release the key: they had no effect, so running them again is safe. Endpoint()
 * attaches it to idempotent routes only.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(
    @Inject(IdempotencyStore) private readonly store: IdempotencyStore,
    @Inject(CONFIG) private readonly config: GatewayConfig,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const header = request.headers['idempotency-key'];
    const spec = requireRouteSpec(request);
    if (!spec.idempotent || header === undefined) return next.handle();
    if (typeof header !== 'string' || !KEY_FORMAT.test(header)) {
      throw new ValidationError('Idempotency-Key must be 1 to 255 printable ASCII characters', {
        issues: [{ path: 'Idempotency-Key', message: 'invalid format', code: 'invalid_format' }],
      });
    }
    const reply = http.getResponse<FastifyReply>();
    const scope = request.gw.principal ? `u:${request.gw.principal.userId}` : `ip:${request.ip}`;
    const key = `${this.config.REDIS_KEY_PREFIX}idem:${scope}:${spec.operationId}:${header}`;
    const fingerprint = fingerprintOf(spec.method, spec.path, request.body);
    return from(this.begin(key, fingerprint)).pipe(
      switchMap((outcome) => {
        if (outcome.kind === 'replay') {
          for (const [name, value] of Object.entries(outcome.response.headers)) reply.header(name, value);
          reply.header('idempotent-replayed', 'true');
          return of(outcome.response.body ?? undefined);
        }
        if (outcome.kind === 'mismatch') throw mismatch();
        if (outcome.kind === 'inFlight')
          throw new ConflictError('A request with this Idempotency-Key is in progress');
        return this.run(next, reply, key, fingerprint);
      }),
    );
  }

  private run(next: CallHandler, reply: FastifyReply, key: string, fingerprint: string): Observable<unknown> {
    return next.handle().pipe(
      concatMap((body) =>
        defer(async () => {
          const headers = Object.fromEntries(
            REPLAYED_HEADERS.flatMap((name) => {
              const value = reply.getHeader(name);
              return value === undefined ? [] : [[name, String(value)]];
            }),
          );
          await this.store.complete(key, fingerprint, {
            status: reply.statusCode,
            headers,
            body: body ?? null,
          });
          return body;
        }),
      ),
      catchError((error: unknown) =>
        from(this.store.release(key).catch(() => undefined)).pipe(
          switchMap(() => {
            throw error;
          }),
        ),
      ),
    );
  }

  private async begin(key: string, fingerprint: string) {
    try {
      return await this.store.begin(key, fingerprint);
    } catch (cause) {
      // Without the store a retry could run twice; refusing is the safe answer.
      throw new UnavailableError('Idempotency store unavailable', undefined, { cause });
    }
  }
}

const mismatch = () =>
  new HttpProblemError(
    422,
    'idempotency-key-reused',
    'Idempotency-Key reused',
    'This Idempotency-Key was used with a different request body',
  );
