import { hash } from 'node:crypto';

/** A strong ETag for a response body: the same bytes always give the same tag, across replicas. */
export function etagOf(payload: string | Buffer): string {
  // One-shot crypto.hash: the same digest as createHash().update().digest(), without a Hash object.
  return `"${hash('sha1', payload, 'base64url')}"`;
}

/**
 * Whether `If-None-Match` names `etag` (RFC 9110 §13.1.2: weak comparison, `*` matches any, a list
 * of tags separated by commas).
 */
export function ifNoneMatchMatches(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  const wanted = stripWeak(etag);
  return header
    .split(',')
    .map((tag) => tag.trim())
    .some((tag) => tag === '*' || stripWeak(tag) === wanted);
}

const stripWeak = (tag: string): string => (tag.startsWith('W/') ? tag.slice(2) : tag);

/** Cache-Control of a cacheable query: `public` for anonymous data (JWKS), else `private`. */
export function cacheControlFor(isPublic: boolean, maxAgeSeconds: number): string {
  return `${isPublic ? 'public' : 'private'}, max-age=${maxAgeSeconds}`;
}
