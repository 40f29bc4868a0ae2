import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { fromErrorShape, isErrorShape, toErrorShape, validationErrorFromZod } from './errorMapping.js';
import {
  AppError,
  ConcurrencyError,
  ConflictError,
  ErrorCode,
  type ErrorShape,
  ForbiddenError,
  IllegalStateError,
  InternalError,
  isAppError,
  NotFoundError,
  RateLimitedError,
  TimeoutError,
  UnauthorizedError,
  UnavailableError,
  ValidationError,
} from './errors.js';

const throughJson = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

const samples: AppError[] = [
  new ValidationError('bad email', { field: 'email' }),
  new NotFoundError('no such user', { userId: 'u1' }),
  new ConflictError('email taken', { email: 'a@b.co' }),
  new IllegalStateError('already verified'),
  new UnauthorizedError('no token'),
  new ForbiddenError('admins only', { role: 'member' }),
  new RateLimitedError('slow down', 30, { bucket: 'login' }),
  new UnavailableError('billing did not answer'),
  new TimeoutError('no reply in 5 s', { timeoutMs: 5000 }),
  new InternalError('projection crashed'),
  new ConcurrencyError({ streamId: 'account-1', expectedVersion: 3, actualVersion: 4 }),
];

describe('AppError subclasses', () => {
  it('together cover every error code', () => {
    const codes = new Set(samples.map((e) => e.code));
    expect([...codes].sort()).toEqual([...ErrorCode.options].sort());
  });

  it('serialise to the error shape without a stack', () => {
    const json = throughJson(new NotFoundError('no such user', { userId: 'u1' }));
    expect(json).toEqual({ code: 'NOT_FOUND', message: 'no such user', details: { userId: 'u1' } });
    expect(JSON.stringify(new IllegalStateError('x'))).not.toContain('stack');
  });

  it('puts retryAfterSeconds into the details of RateLimitedError', () => {
    const error = new RateLimitedError('slow down', 12);
    expect(error.details).toEqual({ retryAfterSeconds: 12 });
    expect(error.retryAfterSeconds).toBe(12);
  });

  it('gives ConcurrencyError the CONFLICT code and concurrency details', () => {
    const error = new ConcurrencyError({ streamId: 's-1', expectedVersion: 'no_stream' });
    expect(error).toBeInstanceOf(ConflictError);
    expect(error.toJSON()).toMatchObject({
      code: 'CONFLICT',
      details: { streamId: 's-1', expectedVersion: 'no_stream', reason: 'concurrency' },
    });
    expect(error.details).not.toHaveProperty('actualVersion');
  });

  it('isAppError recognises branded errors but not plain ones', () => {
    expect(isAppError(new TimeoutError('t'))).toBe(true);
    expect(isAppError(new Error('plain'))).toBe(false);
    expect(isAppError({ code: 'INTERNAL', message: 'x' })).toBe(false);
  });
});

describe('error round trips through JSON', () => {
  it.each(samples.map((e) => [e.name, e] as const))(
    '%s keeps code, message, details and class',
    (_, error) => {
      const shape = throughJson(toErrorShape(error));
      expect(isErrorShape(shape)).toBe(true);
      const rebuilt = fromErrorShape(shape as ErrorShape);
      expect(rebuilt.code).toBe(error.code);
      expect(rebuilt.message).toBe(error.message);
      expect(rebuilt.details).toEqual(error.details);
      expect(rebuilt.constructor).toBe(error.constructor);
    },
  );

  it('rebuilds typed fields of RateLimitedError and ConcurrencyError', () => {
    const rate = fromErrorShape({ code: 'RATE_LIMITED', message: 'm', details: { retryAfterSeconds: 7 } });
    expect(rate).toBeInstanceOf(RateLimitedError);
    expect((rate as RateLimitedError).retryAfterSeconds).toBe(7);
    const conflict = fromErrorShape(
      throughJson(
        new ConcurrencyError({ streamId: 's', expectedVersion: 1, actualVersion: 2 }),
      ) as ErrorShape,
    );
    expect(conflict).toBeInstanceOf(ConcurrencyError);
    expect((conflict as ConcurrencyError).actualVersion).toBe(2);
  });

  it('keeps a CONFLICT without concurrency details a plain ConflictError', () => {
    const error = fromErrorShape({ code: 'CONFLICT', message: 'dup', details: { reason: 'email' } });
    expect(error).toBeInstanceOf(ConflictError);
    expect(error).not.toBeInstanceOf(ConcurrencyError);
  });
});

describe('toErrorShape', () => {
  it('hides the message and stack of unknown errors', () => {
    const shape = toErrorShape(new Error('password=hunter2 at /srv/app.js:12'));
    expect(shape).toEqual({ code: 'INTERNAL', message: 'Internal error' });
    expect(toErrorShape('boom')).toEqual({ code: 'INTERNAL', message: 'Internal error' });
    expect(toErrorShape(undefined).code).toBe('INTERNAL');
  });

  it('passes plain error shapes through but not Error instances that look like one', () => {
    expect(toErrorShape({ code: 'NOT_FOUND', message: 'gone' })).toEqual({
      code: 'NOT_FOUND',
      message: 'gone',
    });
    const sneaky = Object.assign(new Error('SELECT * FROM users'), { code: 'CONFLICT' });
    expect(toErrorShape(sneaky)).toEqual({ code: 'INTERNAL', message: 'Internal error' });
  });
});

describe('isErrorShape', () => {
  it('rejects unknown codes, missing messages and non-record details', () => {
    expect(isErrorShape({ code: 'TEAPOT', message: 'x' })).toBe(false);
    expect(isErrorShape({ code: 'INTERNAL' })).toBe(false);
    expect(isErrorShape({ code: 'INTERNAL', message: 'x', details: 'no' })).toBe(false);
    expect(isErrorShape({ code: 'INTERNAL', message: 'x', details: { a: 1 } })).toBe(true);
  });
});

describe('validationErrorFromZod', () => {
  it('lists every issue with its path and message', () => {
    const schema = z.object({ email: z.email(), items: z.array(z.object({ qty: z.int().min(1) })) });
    const result = schema.safeParse({ email: 'nope', items: [{ qty: 0 }] });
    if (result.success) throw new Error('expected a parse failure');
    const error = validationErrorFromZod(result.error, 'order request');
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.message).toMatch(/^Invalid order request: email: .+ \(and 1 more\)$/);
    const issues = (error.details as { issues: { path: string; message: string }[] }).issues;
    expect(issues.map((i) => i.path)).toEqual(['email', 'items.0.qty']);
    expect(issues.every((i) => i.message.length > 0)).toBe(true);
    expect(throughJson(error)).toMatchObject({ code: 'VALIDATION', details: { what: 'order request' } });
  });

  it('names the root when the value itself is wrong', () => {
    const result = z.string().safeParse(42);
    if (result.success) throw new Error('expected a parse failure');
    expect(validationErrorFromZod(result.error, 'name').message).toContain('(root)');
  });
});
