import { z } from 'zod';

/** The closed set of error codes that cross process boundaries; the gateway maps each to an HTTP status. */
export const ErrorCode = z.enum([
  'VALIDATION',
  'NOT_FOUND',
  'CONFLICT',
  'ILLEGAL_STATE',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'RATE_LIMITED',
  'UNAVAILABLE',
  'TIMEOUT',
  'INTERNAL',
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

/** The one serialisable error shape carried in failed replies and dead letters. */
export const errorShapeSchema = z.object({
  code: ErrorCode,
  message: z.string(),
  details: z.record(z.string(), z.unknown()).optional(),
});
export type ErrorShape = z.infer<typeof errorShapeSchema>;
export type ErrorDetails = NonNullable<ErrorShape['details']>;

/** Details of an optimistic-concurrency conflict on append (`expectedVersion` as the event store takes it). */
export const concurrencyDetailsSchema = z.object({
  streamId: z.string(),
  expectedVersion: z.union([z.int().min(0), z.literal('no_stream'), z.literal('any')]),
  actualVersion: z.int().min(0).optional(),
  reason: z.literal('concurrency'),
});
export type ConcurrencyDetails = z.infer<typeof concurrencyDetailsSchema>;

// A brand survives duplicated copies of this package in node_modules, where `instanceof` would not.
const appErrorBrand = Symbol.for('@ledgerline/contracts/AppError');

/** Base of every typed error; serialises to {@link ErrorShape} and never exposes its stack in JSON. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: ErrorDetails | undefined;

  constructor(code: ErrorCode, message: string, details?: ErrorDetails, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AppError';
    this.code = code;
    this.details = details;
    Object.defineProperty(this, appErrorBrand, { value: true });
  }

  /** The wire shape; `JSON.stringify(error)` uses it. */
  toJSON(): ErrorShape {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

/** True for any AppError, including one created by another copy of this package. */
export const isAppError = (value: unknown): value is AppError =>
  value instanceof AppError ||
  (value instanceof Error && (value as unknown as Record<symbol, unknown>)[appErrorBrand] === true);

/** Bad input: a payload, header or name that does not match its contract. */
export class ValidationError extends AppError {
  constructor(message: string, details?: ErrorDetails, options?: { cause?: unknown }) {
    super('VALIDATION', message, details, options);
    this.name = 'ValidationError';
  }
}

/** The addressed entity does not exist (or the caller may not know that it does). */
export class NotFoundError extends AppError {
  constructor(message: string, details?: ErrorDetails) {
    super('NOT_FOUND', message, details);
    this.name = 'NotFoundError';
  }
}

/** The request collides with existing state (duplicate e-mail, duplicate contract). */
export class ConflictError extends AppError {
  constructor(message: string, details?: ErrorDetails) {
    super('CONFLICT', message, details);
    this.name = 'ConflictError';
  }
}

/** The aggregate is not in a state that allows the command. */
export class IllegalStateError extends AppError {
  constructor(message: string, details?: ErrorDetails) {
    super('ILLEGAL_STATE', message, details);
    this.name = 'IllegalStateError';
  }
}

/** No valid credentials were presented. */
export class UnauthorizedError extends AppError {
  constructor(message: string, details?: ErrorDetails) {
    super('UNAUTHORIZED', message, details);
    this.name = 'UnauthorizedError';
  }
}

/** The caller is known but not allowed to do this. */
export class ForbiddenError extends AppError {
  constructor(message: string, details?: ErrorDetails) {
    super('FORBIDDEN', message, details);
    this.name = 'ForbiddenError';
  }
}

/** Too many requests; `details.retryAfterSeconds` feeds the gateway's Retry-After header. */
export class RateLimitedError extends AppError {
  readonly retryAfterSeconds: number | undefined;

  constructor(message: string, retryAfterSeconds?: number, details?: ErrorDetails) {
    super(
      'RATE_LIMITED',
      message,
      retryAfterSeconds === undefined ? details : { ...details, retryAfterSeconds },
    );
    this.name = 'RateLimitedError';
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** A dependency (service, database, broker) did not answer; retryable. */
export class UnavailableError extends AppError {
  constructor(message: string, details?: ErrorDetails, options?: { cause?: unknown }) {
    super('UNAVAILABLE', message, details, options);
    this.name = 'UnavailableError';
  }
}

/** The operation did not finish in time; its outcome is unknown. */
export class TimeoutError extends AppError {
  constructor(message: string, details?: ErrorDetails, options?: { cause?: unknown }) {
    super('TIMEOUT', message, details, options);
    this.name = 'TimeoutError';
  }
}

/** A bug or an unexpected failure; its message is safe to show, its cause is for logs only. */
export class InternalError extends AppError {
  constructor(message = 'Internal error', details?: ErrorDetails, options?: { cause?: unknown }) {
    super('INTERNAL', message, details, options);
    this.name = 'InternalError';
  }
}

/** Append failed because the stream moved past the expected version (HTTP 409 at the gateway). */
export class ConcurrencyError extends ConflictError {
  readonly streamId: string;
  readonly expectedVersion: ConcurrencyDetails['expectedVersion'];
  readonly actualVersion: number | undefined;

  constructor(info: Omit<ConcurrencyDetails, 'reason'>, message?: string) {
    const details: ConcurrencyDetails = { ...info, reason: 'concurrency' };
    if (details.actualVersion === undefined) delete details.actualVersion;
    super(message ?? `Stream ${info.streamId} is not at expected version ${info.expectedVersion}`, details);
    this.name = 'ConcurrencyError';
    this.streamId = info.streamId;
    this.expectedVersion = info.expectedVersion;
    this.actualVersion = info.actualVersion;
  }
}
