import { seal, UnauthorizedError, unseal } from '@ledgerline/contracts';
import { z } from 'zod';

/** The one message for any challenge that does not open, has expired or was tampered with. */
export const INVALID_CHALLENGE = 'Invalid or expired sign-in challenge';
const CONTEXT = 'MfaChallenge';

const payloadSchema = z.object({
  v: z.literal(1),
  sub: z.uuid(),
  method: z.enum(['password', 'code']),
  exp: z.number().int(),
});

/** Who passed the first factor, and how (the session records it). */
export interface ChallengeSubject {
  userId: string;
  method: 'password' | 'code';
}

/**
 * The token between the first and the second factor: sealed (AES-256-GCM, its own derived key),
 * so it is opaque to the client, cannot be forged or altered, and needs no server-side storage.
 */
export function issueChallenge(key: string, subject: ChallengeSubject, now: Date, ttlSeconds: number) {
  const expiresAt = new Date(now.getTime() + ttlSeconds * 1000);
  const payload = { v: 1, sub: subject.userId, method: subject.method, exp: expiresAt.getTime() };
  return { challengeToken: seal(key, JSON.stringify(payload), CONTEXT), expiresAt: expiresAt.toISOString() };
}

/** Opens a challenge; anything but a valid, unexpired one is UnauthorizedError. */
export function openChallenge(key: string, token: string, now: Date): ChallengeSubject {
  let payload: z.infer<typeof payloadSchema>;
  try {
    payload = payloadSchema.parse(JSON.parse(unseal(key, token, CONTEXT)));
  } catch {
    throw new UnauthorizedError(INVALID_CHALLENGE);
  }
  if (payload.exp <= now.getTime()) throw new UnauthorizedError(INVALID_CHALLENGE);
  return { userId: payload.sub, method: payload.method };
}
