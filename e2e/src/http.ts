import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

// When E2E_STATUS_DIR is set (the e2e package's test script sets it), every response's status is
// recorded next to the gateway's OpenAPI document, and openapiStatuses.check.spec.ts then proves
// that each status the suite observed is one the document declares for that operation.
const statusDir = process.env.E2E_STATUS_DIR;
let documentSaved = false;

/** Records one observed status (no-op unless E2E_STATUS_DIR is set). */
export async function recordStatus(
  baseUrl: string,
  method: string,
  path: string,
  status: number,
): Promise<void> {
  if (!statusDir) return;
  if (!documentSaved) {
    documentSaved = true;
    const document = await fetch(`${baseUrl}/openapi.json`).then((r) => (r.ok ? r.text() : undefined));
    if (document) writeFileSync(join(statusDir, 'openapi.json'), document);
  }
  appendFileSync(join(statusDir, `${process.pid}.jsonl`), `${JSON.stringify({ method, path, status })}\n`);
}

/** A response with its JSON body parsed (or null for an empty body). */
export interface JsonResponse<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
}

export interface RequestOptions {
  body?: unknown;
  token?: string;
  headers?: Record<string, string>;
  /** Raw body text, for malformed-JSON tests. */
  raw?: string;
}

/** Sends one request to the gateway as an API client would (no Origin, no cookies unless given). */
export async function call<T = Record<string, unknown>>(
  baseUrl: string,
  method: string,
  path: string,
  options: RequestOptions = {},
): Promise<JsonResponse<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined;
  if (options.raw !== undefined) body = options.raw;
  else if (options.body !== undefined) body = JSON.stringify(options.body);
  if (body !== undefined) headers['content-type'] ??= 'application/json';
  const response = await fetch(`${baseUrl}${path}`, { method, headers, body });
  await recordStatus(baseUrl, method, path, response.status);
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: (text ? JSON.parse(text) : null) as T };
}

/** Cookies set by a response, by name. */
export function cookiesOf(response: JsonResponse<unknown>): Record<string, string> {
  const cookies: Record<string, string> = {};
  for (const line of response.headers.getSetCookie()) {
    const [pair] = line.split(';');
    const eq = pair!.indexOf('=');
    cookies[pair!.slice(0, eq).trim()] = decodeURIComponent(pair!.slice(eq + 1));
  }
  return cookies;
}
