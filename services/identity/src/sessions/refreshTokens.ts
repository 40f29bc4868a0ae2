import { hashToken, randomToken } from '../shared/tokens.js';

// `<sessionId>.<secret>`: the session id says which stream to load, so no token → session lookup
// table exists; the 256-bit secret proves possession. Only sha256(token) is ever stored.
const SHAPE = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.([A-Za-z0-9_-]{43})$/;

/** A new refresh token for a session and the hash to store. */
export function issueRefreshToken(sessionId: string): { token: string; hash: string } {
  const token = `${sessionId}.${randomToken()}`;
  return { token, hash: hashToken(token) };
}

/** The session a refresh token names and the token's hash; null when it is not one of ours. */
export function parseRefreshToken(token: string): { sessionId: string; hash: string } | null {
  const match = SHAPE.exec(token);
  return match ? { sessionId: match[1]!, hash: hashToken(token) } : null;
}
