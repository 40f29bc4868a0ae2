/** Field names whose values never reach a log line. */
export const SECRET_KEYS = [
  'password',
  'newPassword',
  'currentPassword',
  'token',
  'refreshToken',
  'accessToken',
  'secret',
  'authorization',
  'cookie',
  'set-cookie',
  'code',
  'totp',
] as const;

// fast-redact paths are static (no recursive wildcard), so each key is listed at depth 0, 1 and 2;
// that covers `{ password }`, `{ body: { password } }` and `{ req: { headers: { authorization } } }`.
const accessor = (key: string): string => (/^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `["${key}"]`);

/** pino `redact.paths` for every secret key at the top level and one or two levels deep. */
export function redactPaths(keys: readonly string[] = SECRET_KEYS): string[] {
  return keys.flatMap((key) => {
    const tail = accessor(key);
    return [tail.startsWith('.') ? key : tail, `*${tail}`, `*.*${tail}`];
  });
}

export const REDACTED = '[redacted]';
