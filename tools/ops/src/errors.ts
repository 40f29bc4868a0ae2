/** A failure the user can act on: printed as one line, exit code 1 (or the given one). */
export class CliError extends Error {
  override name = 'CliError';
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

const PG_UNDEFINED_TABLE = '42P01';
const PG_INVALID_SCHEMA = '3F000';

/** Hides the password of a connection URL before it is printed. */
export const redactUrl = (url: string): string => {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url;
  }
};

// pg reports a refused localhost (::1 and 127.0.0.1) as an AggregateError with an empty message.
const innermost = (error: unknown): unknown =>
  error instanceof AggregateError && error.errors.length > 0 ? error.errors[0] : error;

/** One line that says what went wrong, for any error a command can throw. */
export function describeFailure(error: unknown): string {
  const inner = innermost(error);
  const code = (inner as { code?: unknown } | null)?.code;
  const message = inner instanceof Error ? inner.message : String(inner);
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'ETIMEDOUT') {
    return `cannot connect (${code}): ${message}`;
  }
  if (code === PG_UNDEFINED_TABLE || code === PG_INVALID_SCHEMA) {
    return `${message}: is the service migrated? (ledgerline migrate --service <name>)`;
  }
  if (inner instanceof Error && 'code' in inner && typeof code === 'string' && /^[A-Z_]+$/.test(code)) {
    return `${code}: ${message}`;
  }
  return message;
}

/** A single line: newlines folded, so scripts can grep stderr. */
export const oneLine = (text: string): string => text.replace(/\s*\n\s*/g, ' ').trim();
