import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

// 32 random bytes = 256 bits: unguessable, so a fast hash (sha256) is enough to store them; a slow
// password hash is only needed for low-entropy secrets people choose.
const TOKEN_BYTES = 32;

/** A random URL-safe token (base64url, 43 characters) for links in e-mails and refresh tokens. */
export const randomToken = (bytes = TOKEN_BYTES): string => randomBytes(bytes).toString('base64url');

/** The stored form of a token: sha256, hex. The token itself is never stored. */
export const hashToken = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');

/** Compares two secrets (or their hashes) in time independent of where they differ. */
export const constantTimeEquals = (a: string, b: string): boolean => {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  // timingSafeEqual needs equal lengths; comparing against itself keeps the time spent similar.
  if (left.length !== right.length) {
    timingSafeEqual(left, left);
    return false;
  }
  return timingSafeEqual(left, right);
};

/** A token and its hash, made together so callers cannot forget to hash what they store. */
export interface IssuedToken {
  token: string;
  hash: string;
}

/** A new random token with its storage hash. */
export const issueToken = (): IssuedToken => {
  const token = randomToken();
  return { token, hash: hashToken(token) };
};
