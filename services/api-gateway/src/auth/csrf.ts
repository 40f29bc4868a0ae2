import { timingSafeEqual } from 'node:crypto';

/** What the CSRF check looks at in a cookie-authenticated request. */
export interface CsrfInput {
  readonly cookieToken: string | undefined;
  readonly headerToken: string | undefined;
  readonly origin: string | undefined;
  readonly referer: string | undefined;
}

export type CsrfVerdict = { ok: true } | { ok: false; reason: string };

/**
 * Double-submit token AND origin check (OWASP CSRF cheat sheet, "defense in depth"): the `X-CSRF-Token`
 * header must equal the non-httpOnly CSRF cookie (a cross-site page can neither read the cookie nor
 * set the header), and the Origin (or, lacking it, the Referer) must be an allowed origin. A request
 * with neither header is refused: browsers send Origin on every cross-origin and same-origin POST.
 */
export function checkCsrf(input: CsrfInput, allowedOrigins: ReadonlySet<string>): CsrfVerdict {
  if (!input.cookieToken || !input.headerToken) return { ok: false, reason: 'CSRF token missing' };
  if (!sameToken(input.cookieToken, input.headerToken)) return { ok: false, reason: 'CSRF token mismatch' };
  const origin = input.origin ?? originOf(input.referer);
  if (!origin) return { ok: false, reason: 'Origin or Referer header required' };
  if (!allowedOrigins.has(origin)) return { ok: false, reason: 'Origin not allowed' };
  return { ok: true };
}

function sameToken(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

function originOf(referer: string | undefined): string | undefined {
  if (!referer) return undefined;
  try {
    return new URL(referer).origin;
  } catch {
    return undefined;
  }
}
