import {
  ConcurrencyError,
  ConflictError,
  ForbiddenError,
  IllegalStateError,
  InternalError,
  NotFoundError,
  RateLimitedError,
  TimeoutError,
  UnauthorizedError,
  UnavailableError,
  ValidationError,
} from '@ledgerline/contracts';
import { describe, expect, it } from 'vitest';
import { HttpClientError, HttpProblemError, MAX_LISTED_ISSUES, PROBLEM_BASE, toProblem } from './problem.js';

describe('toProblem', () => {
  it.each([
    [
      new ValidationError('bad', { issues: [{ path: 'email', message: 'invalid', code: 'invalid_format' }] }),
      422,
      'validation',
    ],
    [new UnauthorizedError('who?'), 401, 'unauthorized'],
    [new ForbiddenError('no'), 403, 'forbidden'],
    [new NotFoundError('gone'), 404, 'not-found'],
    [new ConflictError('taken'), 409, 'conflict'],
    [new IllegalStateError('not now'), 409, 'illegal-state'],
    [new ConcurrencyError({ streamId: 's', expectedVersion: 1 }), 409, 'concurrency'],
    [new RateLimitedError('slow', 12), 429, 'rate-limited'],
    [new UnavailableError('No service is listening on identity.cmd.Login'), 503, 'unavailable'],
    [new TimeoutError('No reply on identity.cmd.Login'), 503, 'unavailable'],
    [new InternalError('boom'), 500, 'internal'],
  ])('maps %s to %i', (error, status, slug) => {
    const problem = toProblem(error);
    expect(problem.status).toBe(status);
    expect(problem.body).toMatchObject({ type: PROBLEM_BASE + slug, status });
  });

  it('lists validation issues in `errors`', () => {
    const issues = [{ path: 'body.email', message: 'invalid', code: 'invalid_format' }];
    expect(toProblem(new ValidationError('bad', { issues })).body.errors).toEqual(issues);
  });

  it('sets Retry-After on 429 (from the reply) and 503 (fixed), and never leaks NATS subjects', () => {
    expect(toProblem(new RateLimitedError('slow', 12.2)).headers['retry-after']).toBe('13');
    const unavailable = toProblem(new UnavailableError('No service is listening on identity.cmd.Login'));
    expect(unavailable.headers['retry-after']).toBe('5');
    expect(unavailable.body.detail).not.toContain('identity.cmd');
  });

  it('treats an invalid service reply as a bad gateway, not as bad input', () => {
    const error = new ValidationError('Invalid identity.qry.GetMe reply: …', {
      what: 'identity.qry.GetMe reply',
    });
    expect(toProblem(error).status).toBe(502);
  });

  it('maps Fastify body and router errors (also wrapped by Nest) to 400/413/414/415', () => {
    const invalidJson = Object.assign(new Error('Body is not valid JSON'), {
      statusCode: 400,
      code: 'FST_ERR_CTP_INVALID_JSON_BODY',
    });
    const tooLarge = Object.assign(new Error('Request body is too large'), { statusCode: 413 });
    const mediaType = Object.assign(new Error('Unsupported Media Type'), {
      statusCode: 415,
      code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE',
    });
    expect(toProblem(invalidJson).body.type).toBe(`${PROBLEM_BASE}malformed-request`);
    expect(toProblem(tooLarge).status).toBe(413);
    expect(toProblem(mediaType)).toMatchObject({
      status: 415,
      body: { type: `${PROBLEM_BASE}unsupported-media-type` },
    });
    const longParam = Object.assign(new Error("'/me/sessions/aaaa' is exceeding the max param length"), {
      statusCode: 414,
      code: 'FST_ERR_MAX_PARAM_LENGTH',
    });
    expect(toProblem(longParam)).toMatchObject({
      status: 414,
      body: { type: `${PROBLEM_BASE}uri-too-long` },
    });
    const badUrl = Object.assign(new Error("'/me/sessions/%ZZ' is not a valid url component"), {
      statusCode: 400,
      code: 'FST_ERR_BAD_URL',
    });
    expect(toProblem(badUrl)).toMatchObject({
      status: 400,
      body: { type: `${PROBLEM_BASE}malformed-request` },
    });
    expect(toProblem(badUrl).body.detail).not.toContain('%ZZ');
    const wrapped = Object.assign(new Error('wrapped'), { getStatus: () => 400, cause: invalidJson });
    expect(toProblem(wrapped).body.type).toBe(`${PROBLEM_BASE}malformed-request`);
  });

  it('hides unknown errors behind a generic 500 and keeps HttpProblemError as given', () => {
    const unknown = toProblem(new Error('select * from secrets'));
    expect(unknown).toMatchObject({ status: 500, body: { detail: 'An unexpected error occurred' } });
    const csrf = toProblem(new HttpProblemError(403, 'csrf', 'CSRF check failed', 'CSRF token missing'));
    expect(csrf.body).toMatchObject({
      type: `${PROBLEM_BASE}csrf`,
      status: 403,
      detail: 'CSRF token missing',
    });
  });

  it('maps malformed HTTP seen on the socket to 400, 408 or 431', () => {
    expect(toProblem(new HttpClientError('HPE_INVALID_CONTENT_LENGTH')).status).toBe(400);
    expect(toProblem(new HttpClientError('ERR_HTTP_REQUEST_TIMEOUT')).status).toBe(408);
    expect(toProblem(new HttpClientError('HPE_HEADER_OVERFLOW')).status).toBe(431);
    expect(toProblem(new HttpClientError(undefined)).body.type).toBe(`${PROBLEM_BASE}malformed-request`);
  });

  it('lists at most the first 20 validation issues, with the total and bounded messages', () => {
    const issues = Array.from({ length: 40_000 }, (_, i) => ({
      path: `body.k${i}`,
      message: 'unknown key',
      code: 'unrecognized_keys',
    }));
    issues[0] = {
      path: 'body',
      message: `Unrecognized keys: ${'"k", '.repeat(40_000)}`,
      code: 'unrecognized_keys',
    };
    const problem = toProblem(new ValidationError(`Invalid body: ${issues[0].message}`, { issues }));
    expect(problem.status).toBe(422);
    expect(problem.body.errors).toHaveLength(MAX_LISTED_ISSUES);
    expect(problem.body.errorCount).toBe(40_000);
    expect(JSON.stringify(problem.body).length).toBeLessThan(10_000);
    const few = toProblem(new ValidationError('Invalid body', { issues: issues.slice(1, 3) }));
    expect(few.body.errors).toEqual(issues.slice(1, 3));
    expect(few.body.errorCount).toBe(2);
  });
});
