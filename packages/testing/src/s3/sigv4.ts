import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

// AWS Signature Version 4 as S3 checks it: header-signed requests (`Authorization`) and presigned
// URLs (`X-Amz-*` query). See "Authenticating Requests (AWS Signature Version 4)" in the S3 API docs.

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export type SigV4Result =
  | { ok: true; payloadHash: string; presigned: boolean }
  | { ok: false; code: 'AccessDenied' | 'SignatureDoesNotMatch' | 'InvalidAccessKeyId'; message: string };

interface ParsedAuth {
  accessKeyId: string;
  scope: string;
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
  amzDate: string;
}

const ALGORITHM = 'AWS4-HMAC-SHA256';

/** RFC 3986 encoding, as the SDK's `extendedEncodeURIComponent`. */
export function uriEncode(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** Verifies the request's SigV4 signature against the known credentials. */
export function verifySigV4(
  method: string,
  rawPath: string,
  query: URLSearchParams,
  headers: IncomingHttpHeaders,
  credentials: readonly Credentials[],
  now: Date,
): SigV4Result {
  const presigned = query.has('X-Amz-Signature');
  const parsed = presigned ? parsePresigned(query) : parseHeader(headers);
  if ('error' in parsed) return { ok: false, code: 'AccessDenied', message: parsed.error };
  const secret = credentials.find((c) => c.accessKeyId === parsed.accessKeyId)?.secretAccessKey;
  if (secret === undefined) {
    return {
      ok: false,
      code: 'InvalidAccessKeyId',
      message: 'The AWS Access Key Id you provided does not exist.',
    };
  }
  const expiry = checkTime(parsed.amzDate, presigned ? Number(query.get('X-Amz-Expires')) : undefined, now);
  if (expiry) return { ok: false, code: 'AccessDenied', message: expiry };
  if (!parsed.signedHeaders.includes('host')) {
    return { ok: false, code: 'AccessDenied', message: 'host must be a signed header' };
  }
  const payloadHash = presigned
    ? (query.get('X-Amz-Content-Sha256') ?? 'UNSIGNED-PAYLOAD')
    : headerValue(headers, 'x-amz-content-sha256');
  if (!payloadHash) return { ok: false, code: 'AccessDenied', message: 'x-amz-content-sha256 is missing' };
  const canonical = [
    method,
    canonicalUri(rawPath),
    canonicalQuery(query, presigned),
    ...parsed.signedHeaders.map((name) => `${name}:${canonicalHeaderValue(headers, name)}`),
    '',
    parsed.signedHeaders.join(';'),
    payloadHash,
  ].join('\n');
  const stringToSign = [ALGORITHM, parsed.amzDate, parsed.scope, sha256Hex(canonical)].join('\n');
  const key = signingKey(secret, parsed.date, parsed.region, parsed.service);
  const expected = createHmac('sha256', key).update(stringToSign).digest('hex');
  if (!safeEqual(expected, parsed.signature)) {
    return {
      ok: false,
      code: 'SignatureDoesNotMatch',
      message: 'The request signature we calculated does not match the signature you provided.',
    };
  }
  return { ok: true, payloadHash, presigned };
}

function parseHeader(headers: IncomingHttpHeaders): ParsedAuth | { error: string } {
  const auth = headerValue(headers, 'authorization');
  if (!auth) return { error: 'Anonymous access is not allowed' };
  if (!auth.startsWith(`${ALGORITHM} `)) return { error: 'Unsupported authorization type' };
  const fields = new Map<string, string>();
  for (const part of auth.slice(ALGORITHM.length + 1).split(',')) {
    const [name, ...rest] = part.trim().split('=');
    if (name) fields.set(name, rest.join('='));
  }
  const amzDate = headerValue(headers, 'x-amz-date');
  return build(fields.get('Credential'), fields.get('SignedHeaders'), fields.get('Signature'), amzDate);
}

function parsePresigned(query: URLSearchParams): ParsedAuth | { error: string } {
  if (query.get('X-Amz-Algorithm') !== ALGORITHM) return { error: 'Unsupported X-Amz-Algorithm' };
  if (!query.has('X-Amz-Expires')) return { error: 'X-Amz-Expires is missing' };
  return build(
    query.get('X-Amz-Credential') ?? undefined,
    query.get('X-Amz-SignedHeaders') ?? undefined,
    query.get('X-Amz-Signature') ?? undefined,
    query.get('X-Amz-Date') ?? undefined,
  );
}

function build(
  credential: string | undefined,
  signedHeaders: string | undefined,
  signature: string | undefined,
  amzDate: string | undefined,
): ParsedAuth | { error: string } {
  if (!credential || !signedHeaders || !signature || !amzDate) return { error: 'Malformed authorization' };
  const [accessKeyId, date, region, service, terminator] = credential.split('/');
  if (!accessKeyId || !date || !region || !service || terminator !== 'aws4_request') {
    return { error: 'Malformed credential scope' };
  }
  return {
    accessKeyId,
    scope: `${date}/${region}/${service}/aws4_request`,
    date,
    region,
    service,
    signedHeaders: signedHeaders.split(';'),
    signature,
    amzDate,
  };
}

function checkTime(amzDate: string, expiresSeconds: number | undefined, now: Date): string | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate);
  if (!match) return 'X-Amz-Date is malformed';
  const [, y, mo, d, h, mi, s] = match.map(Number) as number[];
  const signedAt = Date.UTC(y!, mo! - 1, d!, h!, mi!, s!);
  if (expiresSeconds === undefined) {
    // Header-signed requests may be at most 15 minutes off (RequestTimeTooSkewed on S3).
    return Math.abs(now.getTime() - signedAt) > 15 * 60_000 ? 'Request time too skewed' : undefined;
  }
  if (!Number.isInteger(expiresSeconds) || expiresSeconds < 1 || expiresSeconds > 604_800) {
    return 'X-Amz-Expires must be between 1 and 604800 seconds';
  }
  return now.getTime() > signedAt + expiresSeconds * 1000 ? 'Request has expired' : undefined;
}

function canonicalUri(rawPath: string): string {
  return rawPath
    .split('/')
    .map((segment) => uriEncode(safeDecode(segment)))
    .join('/');
}

function canonicalQuery(query: URLSearchParams, presigned: boolean): string {
  const pairs: [string, string][] = [];
  for (const [name, value] of query) {
    if (presigned && name === 'X-Amz-Signature') continue;
    pairs.push([uriEncode(name), uriEncode(value)]);
  }
  pairs.sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  return pairs.map(([name, value]) => `${name}=${value}`).join('&');
}

function canonicalHeaderValue(headers: IncomingHttpHeaders, name: string): string {
  return (headerValue(headers, name) ?? '').trim().replace(/\s+/g, ' ');
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

function signingKey(secret: string, date: string, region: string, service: string): Buffer {
  const kDate = createHmac('sha256', `AWS4${secret}`).update(date).digest();
  const kRegion = createHmac('sha256', kDate).update(region).digest();
  const kService = createHmac('sha256', kRegion).update(service).digest();
  return createHmac('sha256', kService).update('aws4_request').digest();
}

function sha256Hex(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
