import type { z } from 'zod';
import {
  AppError,
  ConcurrencyError,
  ConflictError,
  concurrencyDetailsSchema,
  type ErrorDetails,
  type ErrorShape,
  errorShapeSchema,
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

/** One zod issue as it travels in `ValidationError.details.issues`. */
export interface ValidationIssue {
  path: string;
  message: string;
  code: string;
}

const GENERIC_INTERNAL_MESSAGE = 'Internal error';

/** True when `value` has the wire error shape (a known code, a string message, optional record details). */
export const isErrorShape = (value: unknown): value is ErrorShape =>
  errorShapeSchema.safeParse(value).success;

/**
 * The wire shape of anything thrown. Only AppErrors and plain error shapes keep their message: any other
 * error may carry SQL, file paths or secrets, so it becomes a generic INTERNAL (log the original instead).
 */
export const toErrorShape = (error: unknown): ErrorShape => {
  if (isAppError(error)) return error.toJSON();
  if (!(error instanceof Error)) {
    const parsed = errorShapeSchema.safeParse(error);
    if (parsed.success) return parsed.data;
  }
  return { code: 'INTERNAL', message: GENERIC_INTERNAL_MESSAGE };
};

/** Rebuilds the matching AppError subclass from a wire shape, chosen by `code` (never by class name). */
export const fromErrorShape = (shape: ErrorShape): AppError => {
  const { code, message, details } = shape;
  switch (code) {
    case 'VALIDATION':
      return new ValidationError(message, details);
    case 'NOT_FOUND':
      return new NotFoundError(message, details);
    case 'CONFLICT':
      return conflictFromShape(message, details);
    case 'ILLEGAL_STATE':
      return new IllegalStateError(message, details);
    case 'UNAUTHORIZED':
      return new UnauthorizedError(message, details);
    case 'FORBIDDEN':
      return new ForbiddenError(message, details);
    case 'RATE_LIMITED':
      return rateLimitedFromShape(message, details);
    case 'UNAVAILABLE':
      return new UnavailableError(message, details);
    case 'TIMEOUT':
      return new TimeoutError(message, details);
    case 'INTERNAL':
      return new InternalError(message, details);
    default: {
      // A code added to the enum without a case here fails the typecheck.
      const unknownCode: never = code;
      return new AppError(unknownCode, message, details);
    }
  }
};

const conflictFromShape = (message: string, details: ErrorDetails | undefined): AppError => {
  const concurrency = concurrencyDetailsSchema.safeParse(details);
  if (!concurrency.success) return new ConflictError(message, details);
  const { reason: _reason, ...info } = concurrency.data;
  return new ConcurrencyError(info, message);
};

const rateLimitedFromShape = (message: string, details: ErrorDetails | undefined): AppError => {
  const retryAfter = details?.retryAfterSeconds;
  return typeof retryAfter === 'number'
    ? new RateLimitedError(message, retryAfter, details)
    : new RateLimitedError(message, undefined, details);
};

/** `a.b.0.c`, or an empty string for an issue on the value itself. */
const formatPath = (path: readonly PropertyKey[]): string => path.map((key) => String(key)).join('.');

/** Lists a zod error's issues as plain, serialisable records. */
export const zodIssues = (error: z.core.$ZodError): ValidationIssue[] =>
  error.issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message, code: issue.code }));

/** A ValidationError about `what` (e.g. "identity.cmd.RegisterUser request") whose details list every issue. */
export const validationErrorFromZod = (error: z.core.$ZodError, what: string): ValidationError => {
  const issues = zodIssues(error);
  const first = issues[0];
  const summary = first ? `${first.path || '(root)'}: ${first.message}` : 'invalid value';
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
  return new ValidationError(`Invalid ${what}: ${summary}${more}`, { what, issues }, { cause: error });
};
