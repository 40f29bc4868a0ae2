import { type ErrorCode, isAppError, type ValidationIssue } from '@ledgerline/contracts';

/** Base of every problem `type`; the URIs are stable identifiers clients may switch on. */
export const PROBLEM_BASE = 'https://ledgerline.dev/problems/';

/** An RFC 9457 problem details body, with Ledgerline's extension members. */
export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  requestId?: string;
  errors?: ValidationIssue[];
  [extension: string]: unknown;
}

/** A problem plus the headers that go with it (Retry-After). */
export interface Problem {
  status: number;
  body: ProblemBody;
  headers: Record<string, string>;
}

/** An HTTP-only failure raised by the gateway itself (CSRF, idempotency, malformed request, size). */
export class HttpProblemError extends Error {
  constructor(
    readonly status: number,
    readonly slug: string,
    readonly title: string,
    detail: string,
    readonly headers: Record<string, string> = {},
    /** Extension members added to the problem body (e.g. the failing checks of /readyz). */
    readonly extensions: Record<string, unknown> = {},
  ) {
    super(detail);
    this.name = 'HttpProblemError';
  }
}

/** Malformed HTTP seen on the socket (framing, header overflow, timeout): no request was formed. */
export class HttpClientError extends Error {
  constructor(readonly socketCode: string | undefined) {
    super(`malformed HTTP (${socketCode ?? 'unknown'})`);
    this.name = 'HttpClientError';
  }
}

/** At most this many validation issues are listed in a problem; `errorCount` gives the total. */
export const MAX_LISTED_ISSUES = 20;
// Issue messages echo what the caller sent (zod lists every unknown key in one message): bounded.
const MAX_TEXT = 300;
const clip = (text: string): string => (text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT - 1)}…` : text);

interface CodeMapping {
  status: number;
  slug: string;
  title: string;
}

const BY_CODE: Record<ErrorCode, CodeMapping> = {
  VALIDATION: { status: 422, slug: 'validation', title: 'The request is not valid' },
  UNAUTHORIZED: { status: 401, slug: 'unauthorized', title: 'Authentication required' },
  FORBIDDEN: { status: 403, slug: 'forbidden', title: 'Not allowed' },
  NOT_FOUND: { status: 404, slug: 'not-found', title: 'Not found' },
  CONFLICT: { status: 409, slug: 'conflict', title: 'Conflict' },
  ILLEGAL_STATE: { status: 409, slug: 'illegal-state', title: 'Not possible in the current state' },
  RATE_LIMITED: { status: 429, slug: 'rate-limited', title: 'Too many requests' },
  UNAVAILABLE: { status: 503, slug: 'unavailable', title: 'Service unavailable' },
  TIMEOUT: { status: 503, slug: 'unavailable', title: 'Service unavailable' },
  INTERNAL: { status: 500, slug: 'internal', title: 'Internal error' },
};

/** How long a client should wait after a 503 before retrying. */
export const UNAVAILABLE_RETRY_AFTER_SECONDS = 5;

// Fastify's own errors (body parsing, size) carry a statusCode and a FST_ code.
interface FrameworkError {
  statusCode: number;
  code?: string;
  message: string;
}
const isFrameworkError = (error: unknown): error is FrameworkError =>
  error instanceof Error && typeof (error as { statusCode?: unknown }).statusCode === 'number';

// Nest's HttpException (the 404 of an unknown route) exposes getStatus().
const nestStatus = (error: unknown): number | undefined => {
  const getStatus = (error as { getStatus?: unknown } | null)?.getStatus;
  return typeof getStatus === 'function' ? Number(getStatus.call(error)) : undefined;
};

const problem = (
  status: number,
  slug: string,
  title: string,
  detail: string,
  extra: Partial<ProblemBody> = {},
): Problem => ({ status, body: { type: PROBLEM_BASE + slug, title, status, detail, ...extra }, headers: {} });

/** Maps anything thrown while handling a request to a problem; unknown errors become a generic 500. */
export function toProblem(error: unknown): Problem {
  if (error instanceof HttpProblemError) {
    const p = problem(error.status, error.slug, error.title, error.message, error.extensions);
    return { ...p, headers: { ...error.headers } };
  }
  if (error instanceof HttpClientError) return fromClientError(error.socketCode);
  if (isAppError(error)) return fromAppError(error.code, error.message, error.details);
  if (isFrameworkError(error)) return fromFrameworkError(error);
  const status = nestStatus(error);
  // Nest wraps Fastify's errors (body parsing, size) in an HttpException whose cause is the original.
  const cause = (error as { cause?: unknown } | null)?.cause;
  if (status !== undefined && isFrameworkError(cause)) return fromFrameworkError(cause);
  if (status === 404) return problem(404, 'not-found', 'Not found', 'No such route');
  if (status !== undefined && status >= 400 && status < 500) {
    return problem(status, 'bad-request', 'Bad request', clip(String((error as Error).message)));
  }
  return problem(500, 'internal', 'Internal error', 'An unexpected error occurred');
}

function fromAppError(
  code: ErrorCode,
  message: string,
  details: Record<string, unknown> | undefined,
): Problem {
  // A reply that does not match its contract is the service's bug, not the caller's.
  if (code === 'VALIDATION' && typeof details?.what === 'string' && details.what.endsWith(' reply')) {
    return problem(502, 'bad-gateway', 'Bad gateway', 'A service sent an invalid reply');
  }
  const m = BY_CODE[code];
  if (code === 'VALIDATION') {
    const issues = Array.isArray(details?.issues) ? (details.issues as ValidationIssue[]) : undefined;
    return problem(m.status, m.slug, m.title, clip(message), issues ? listedIssues(issues) : {});
  }
  if (code === 'RATE_LIMITED') {
    const seconds = retrySeconds(details?.retryAfterSeconds);
    const p = problem(m.status, m.slug, m.title, message, { retryAfter: seconds });
    return { ...p, headers: { 'retry-after': String(seconds) } };
  }
  if (code === 'UNAVAILABLE' || code === 'TIMEOUT') {
    // The message names NATS subjects; the client only needs to know to come back.
    const detail = code === 'TIMEOUT' ? 'A service did not answer in time' : 'A service is not available';
    const p = problem(m.status, m.slug, m.title, `${detail}; retry later`);
    return { ...p, headers: { 'retry-after': String(UNAVAILABLE_RETRY_AFTER_SECONDS) } };
  }
  if (code === 'UNAUTHORIZED') {
    const p = problem(m.status, m.slug, m.title, message);
    return { ...p, headers: { 'www-authenticate': 'Bearer realm="ledgerline"' } };
  }
  if (code === 'INTERNAL') return problem(500, m.slug, m.title, 'An unexpected error occurred');
  if (code === 'CONFLICT' && details?.reason === 'concurrency') {
    return problem(409, 'concurrency', 'Concurrent modification', 'The resource changed meanwhile; retry');
  }
  return problem(m.status, m.slug, m.title, message);
}

/** The first issues (each message bounded) and how many there were in all. */
function listedIssues(issues: readonly ValidationIssue[]): Partial<ProblemBody> {
  const errors = issues.slice(0, MAX_LISTED_ISSUES).map((issue) => ({
    path: clip(String(issue.path)),
    message: clip(String(issue.message)),
    code: String(issue.code),
  }));
  return { errors, errorCount: issues.length };
}

function fromFrameworkError(error: FrameworkError): Problem {
  const { statusCode, code } = error;
  if (statusCode === 413) {
    return problem(413, 'payload-too-large', 'Payload too large', 'The request body exceeds the size limit');
  }
  if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || statusCode === 415) {
    return unsupportedMediaType();
  }
  if (code === 'FST_ERR_MAX_PARAM_LENGTH' || statusCode === 414) {
    return problem(414, 'uri-too-long', 'URI too long', 'A path segment is longer than the gateway accepts');
  }
  if (code === 'FST_ERR_BAD_URL') {
    return problem(
      400,
      'malformed-request',
      'Malformed request',
      'The URL is not valid (bad percent-encoding)',
    );
  }
  if (statusCode >= 400 && statusCode < 500) {
    return problem(400, 'malformed-request', 'Malformed request', clip(error.message));
  }
  return problem(500, 'internal', 'Internal error', 'An unexpected error occurred');
}

/** 415: every body the gateway reads is JSON, declared as such (a body without Content-Type too). */
const unsupportedMediaType = (): Problem =>
  problem(
    415,
    'unsupported-media-type',
    'Unsupported media type',
    'Send the body as JSON with Content-Type: application/json',
  );

function fromClientError(socketCode: string | undefined): Problem {
  if (socketCode === 'ERR_HTTP_REQUEST_TIMEOUT') {
    return problem(408, 'request-timeout', 'Request timeout', 'The request was not received in time');
  }
  if (socketCode === 'HPE_HEADER_OVERFLOW') {
    return problem(
      431,
      'headers-too-large',
      'Request headers too large',
      'The request headers are too large',
    );
  }
  return problem(400, 'malformed-request', 'Malformed request', 'The request is not valid HTTP');
}

const retrySeconds = (value: unknown): number =>
  typeof value === 'number' && Number.isFinite(value) && value > 0 ? Math.ceil(value) : 1;
