/** Exponential backoff with full jitter: attempt 1 waits up to base, then doubles, capped. */
export const backoffDelay = (attempt: number, baseMs: number, maxMs: number, random = Math.random): number =>
  Math.round(random() * Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1)));

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Errors that will fail again on retry: thrown by pure code (marked `poison`), or a Postgres
 * data or integrity error (SQLSTATE classes 22 and 23). Anything else (connections, deadlocks,
 * restarts) is transient and is retried without end.
 */
export const isPoisonError = (error: unknown): boolean => {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code))
    return code.startsWith('22') || code.startsWith('23');
  return (error as { poison?: unknown } | null)?.poison === true;
};

/** An error thrown by a projection's or handler's own code for one message. */
export class HandlerError extends Error {
  override name = 'HandlerError';
  readonly poison = true;
  constructor(
    readonly messageId: string,
    cause: unknown,
  ) {
    super(`handler failed on ${messageId}: ${cause instanceof Error ? cause.message : String(cause)}`, {
      cause,
    });
  }
}
