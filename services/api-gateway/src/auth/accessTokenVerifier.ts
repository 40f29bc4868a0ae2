import { isAppError, UnauthorizedError } from '@ledgerline/contracts';
import { decodeProtectedHeader, jwtVerify } from 'jose';
import { z } from 'zod';
import type { Principal } from '../http/requestState.js';
import type { JwksCache } from './jwksCache.js';

export interface AccessTokenVerifierOptions {
  readonly issuer: string;
  readonly audience: string;
  readonly clockToleranceSeconds: number;
  /** Verified tokens remembered (by their exact text) until they expire; bounds memory. */
  readonly cacheSize?: number;
  readonly now?: () => number;
}

// The claims identity puts in an access token (sub, roles, tier, sid, mfa; optionally email_verified).
const claimsSchema = z.object({
  sub: z.uuid(),
  sid: z.uuid(),
  roles: z.array(z.string().min(1)).max(16),
  tier: z.string().min(1).max(32),
  mfa: z.boolean().optional(),
  email_verified: z.boolean().optional(),
  exp: z.number(),
});

const invalid = () => new UnauthorizedError('The access token is invalid or expired');

/**
 * Verifies Bearer access tokens locally: EdDSA only, a `kid` identity publishes, exp, iss and aud.
 * A verified token is cached until its expiry: verification is pure, so the answer cannot change
 * while the token is valid, and an Ed25519 check per request is measurable under load.
 */
export class AccessTokenVerifier {
  private readonly cache = new Map<string, { principal: Principal; expiresAt: number }>();
  private generation = -1;
  private readonly now: () => number;

  constructor(
    private readonly jwks: JwksCache,
    private readonly options: AccessTokenVerifierOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  /** The principal of a valid token; UnauthorizedError otherwise (UnavailableError if keys cannot be fetched). */
  async verify(token: string): Promise<Principal> {
    if (this.generation !== this.jwks.generation) {
      this.cache.clear();
      this.generation = this.jwks.generation;
    }
    const cached = this.cache.get(token);
    if (cached && cached.expiresAt > this.now()) return cached.principal;
    if (cached) this.cache.delete(token);
    const { principal, exp } = await this.verifyUncached(token);
    this.remember(token, principal, exp * 1000);
    return principal;
  }

  private async verifyUncached(token: string): Promise<{ principal: Principal; exp: number }> {
    const kid = this.kidOf(token);
    const key = await this.jwks.keyFor(kid);
    if (!key) throw invalid();
    try {
      const { payload } = await jwtVerify(token, key, {
        algorithms: ['EdDSA'],
        issuer: this.options.issuer,
        audience: this.options.audience,
        clockTolerance: this.options.clockToleranceSeconds,
        requiredClaims: ['exp', 'sub'],
        currentDate: new Date(this.now()),
      });
      const claims = claimsSchema.parse(payload);
      return { principal: toPrincipal(claims), exp: claims.exp };
    } catch (error) {
      if (isAppError(error)) throw error;
      throw invalid();
    }
  }

  private kidOf(token: string): string {
    try {
      const header = decodeProtectedHeader(token);
      if (header.alg !== 'EdDSA' || typeof header.kid !== 'string' || header.kid === '') throw invalid();
      return header.kid;
    } catch {
      throw invalid();
    }
  }

  private remember(token: string, principal: Principal, expiresAt: number): void {
    // Insertion order makes the oldest entry first: a cheap bound without an LRU dependency.
    if (this.cache.size >= (this.options.cacheSize ?? 10_000)) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
    this.cache.set(token, { principal, expiresAt });
  }
}

const toPrincipal = (claims: z.infer<typeof claimsSchema>): Principal => ({
  userId: claims.sub,
  sessionId: claims.sid,
  roles: claims.roles,
  tier: claims.tier,
  mfa: claims.mfa ?? false,
  emailVerified: claims.email_verified,
});
